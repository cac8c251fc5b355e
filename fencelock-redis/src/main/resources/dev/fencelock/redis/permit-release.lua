-- Releases a permit of a semaphore if its lease still runs, and announces the permit it frees to
-- the acquisition it is kept for: one wake per freed permit, in queue order.
-- KEYS[1]  the semaphore's holders (see permit-acquire.lua)
-- KEYS[2]  the permit queue (see permit-acquire.lua)
-- KEYS[3]  the permit deadlines (see permit-acquire.lua)
-- ARGV[1]  owner token of the permit
-- ARGV[2]  channel on which waiters listen for freed permits
-- ARGV[3]  the claim window in milliseconds
-- ARGV[4]  '1' to announce with sharded pub/sub (a Cluster of Redis 7.0+), else '0'
-- Returns  1 when released; 0 when the lease had run out or was gone.
-- With F permits free after the release, the queue's first F acquisitions may take one: they are
-- kept a permit for the claim window, and the message names the F-th, which this release let in,
-- and the one behind it, which tries when the claim window has passed in case the F-th is gone
-- ('<waiter> <next>', as release.lua names the head of a fair queue). Nobody else is woken.
--! include lib.lua
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
local now = serverNow()
local count = permitCount(KEYS[1])
if count then
  dropGoneFairWaiters(KEYS[2], KEYS[3], now)
  local free = freePermits(KEYS[1], count, now)
  local first = keepPermitsForWaiters(KEYS[2], KEYS[3], free, now, ARGV[3])
  local named = first[free]
  if named then
    local next = first[free + 1]
    if next then
      keepForHead(KEYS[3], next, now, 2 * tonumber(ARGV[3]))
    end
    publish(ARGV[2], next and named .. ' ' .. next or named, ARGV[4])
  end
end
if tonumber(expiry) <= now then
  return 0
end
return 1
