-- Releases a permit of a semaphore if its lease still runs, and passes the permit it frees on: to
-- the first acquisition in the queue, granted here, when that one is of the releasing client; else
-- announced to the acquisition it is kept for. One wake per freed permit, in queue order.
-- KEYS[1]  the semaphore's holders (see permit-acquire.lua)
-- KEYS[2]  the permit queue (see permit-acquire.lua)
-- KEYS[3]  the permit deadlines (see permit-acquire.lua)
-- KEYS[4]  the name's fence counter (see acquire.lua)
-- KEYS[5]  the name's recent releases (see read-release.lua)
-- ARGV[1]  owner token of the permit
-- ARGV[2]  channel on which waiters listen for freed permits
-- ARGV[3]  the claim window in milliseconds
-- ARGV[4]  how the release is announced (see release.lua's ARGV[9])
-- ARGV[5]  time to live of the fence counter and the queue in milliseconds, and the least the
--          holders live (see permit-acquire.lua)
-- ARGV[6]  how long to remember this release in KEYS[5], in milliseconds (see read-release.lua's
--          ARGV[5])
-- ARGV[7], ARGV[8], ...  pairs of owner token and lease in milliseconds: the acquisitions of the
--          releasing client that wait for a permit of this semaphore, which may be granted here
-- Returns  {released, passed, token}: released is 1 when released (or by the same release sent
--          before, per KEYS[5]: then nothing is passed, the first run having passed the permit on if
--          it could), 0 when the lease had run out or was gone; passed is the number (1 for ARGV[7])
--          of the pair granted the freed permit, with its fencing token, or 0 when none was.
-- With F permits free after the release (and the grant), the queue's first F acquisitions may take
-- one: they are kept a permit for the claim window, and the message names the F-th, which this
-- release let in, and the one behind it, which tries when the claim window has passed in case the
-- F-th is gone ('<waiter> <next>', as release.lua names the head of a fair queue). Nobody else is
-- woken.
--! include lib.lua
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry then
  return {releasedBefore(KEYS[5], ARGV[1]) and 1 or 0, 0, 0}
end
redis.call('ZREM', KEYS[1], ARGV[1])
local now = serverNow()
local count = permitCount(KEYS[1])
local passed, token = 0, 0
if count then
  dropGoneFairWaiters(KEYS[2], KEYS[3], now)
  local free = freePermits(KEYS[1], count, now)
  if free > 0 and ARGV[7] then
    local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    for i = 7, #ARGV, 2 do
      if ARGV[i] == head then
        passed = (i - 5) / 2
        token = grantPermit(KEYS[1], KEYS[4], KEYS[2], KEYS[3], head, ARGV[i + 1], now, ARGV[5])
        free = free - 1
        break
      end
    end
  end
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
  return {0, passed, token}
end
rememberRelease(KEYS[5], ARGV[1], now, ARGV[6])
return {1, passed, token}
