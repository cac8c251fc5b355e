-- Acquires a fair lock: granted to the acquisition at the head of the queue, in the order the
-- acquisitions first reached this server (its clock, never a client's), and mints its fencing token.
-- KEYS[1]  the lock key (see acquire.lua)
-- KEYS[2]  the lock's fence counter
-- KEYS[3]  the fair queue: a sorted set of waiting acquisitions' owner tokens, scored by first arrival
-- KEYS[4]  the fair deadlines: the same owner tokens, scored by the server time (microseconds) after
--          which the acquisition is presumed gone and skipped: it stopped trying, or was named head
--          of a free lock and let its claim window pass
-- KEYS[5]  the lock's readers (see read-acquire.lua)
-- ARGV[1]  owner token, the same for every attempt of one acquisition
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  time to live of the fence counter and the queue in milliseconds, longer than any lease
-- ARGV[4]  '1' when the acquisition waits if refused (it joins the queue), '0' when it does not
-- ARGV[5]  how long a waiter stays in the queue without trying again, in milliseconds
-- ARGV[6]  the claim window: how long the head of a free lock has to take it, in milliseconds
-- ARGV[7]  the prefix of every Fencelock owner token
-- Returns  {1, token} when acquired (again, with a new token and a whole lease, when the lock holds
--          ARGV[1] already); {0, retry, fencelock} when refused, where retry is the holder's
--          remaining time in milliseconds (-1 when a foreign client set the key without expiry),
--          or, when the lock is free but kept for the head, the time left of the head's claim
--          window; fencelock as in acquire.lua.
-- Cost: O(log N) in the queue's length, plus the gone acquisitions dropped (at most 100 a call).
--! include lib.lua
local now = serverNow()
dropGoneFairWaiters(KEYS[3], KEYS[4], now)
local pttl = redis.call('PTTL', KEYS[1])
local readersEnd = readersUntil(KEYS[5], now)
local free = pttl == -2 and readersEnd <= now
local head = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
-- A lock held by this acquisition was taken by its first run: it was sent again (see takeOrWait in
-- lib.lua). Only a held lock pays the read of its holder.
local resent = pttl ~= -2 and lockValue(KEYS[1]) == ARGV[1]
if resent or free and (not head or head == ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  return {1, mintToken(KEYS[2], now, ARGV[3])}
end
if ARGV[4] == '1' then
  -- A waiter that tries again keeps its place, and proves it is alive.
  queueWaiter(KEYS[3], KEYS[4], ARGV[1], now, ARGV[5], ARGV[3])
  head = head or ARGV[1]
end
if free then
  return {0, math.ceil((keepForHead(KEYS[4], head, now, ARGV[6]) - now) / 1000), 1}
end
local announced = announcedHolder(KEYS[1], ARGV[7])
if pttl == -1 then
  return {0, -1, announced}
end
return {0, math.max(pttl, math.ceil((readersEnd - now) / 1000)), announced}
