-- Acquires a permit of a semaphore: granted while fewer than the count hold one, to the acquisitions
-- in the order they first reached this server (its clock, never a client's), and mints its fencing
-- token from the name's one sequence.
-- KEYS[1]  the semaphore's holders: a sorted set of the permits' owner tokens, scored by the server
--          time (microseconds) at which each permit's lease runs out, and the count (see
--          permitCount in lib.lua)
-- KEYS[2]  the name's fence counter (see acquire.lua)
-- KEYS[3]  the permit queue: a sorted set of waiting acquisitions' owner tokens, scored by first arrival
-- KEYS[4]  the permit deadlines: the same owner tokens, scored by the server time (microseconds)
--          after which the acquisition is presumed gone and skipped (as the fair deadlines, see
--          fair-acquire.lua)
-- ARGV[1]  owner token, the same for every attempt of one acquisition
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  time to live of the fence counter and the queue in milliseconds, and the least the
--          holders live (see liveAtLeast in lib.lua), longer than this lease
-- ARGV[4]  the count of permits the client names
-- ARGV[5]  '1' when the acquisition waits if refused (it joins the queue), '0' when it does not
-- ARGV[6]  how long a waiter stays in the queue without trying again, in milliseconds
-- ARGV[7]  the claim window: how long a waiter has to take a permit kept for it, in milliseconds
-- Returns  {1, token} when acquired (again, with a new token, when a release passed it the permit);
--          {0, retry, 1} when refused, where retry is the time in
--          milliseconds until the earliest holder's lease runs out, or, when the free permits are
--          kept for acquisitions queued before, the claim window; {-1, count} when the semaphore
--          has another count.
-- Cost: O(log N) in the holders and the queue, plus the holders and waiters dropped as gone.
--! include lib.lua
local permits = tonumber(ARGV[4])
local count = permitCount(KEYS[1])
if count and count ~= permits then
  return {-1, count}
end
local now = serverNow()
local passed = redis.call('ZSCORE', KEYS[1], ARGV[1])
if passed and tonumber(passed) > now then
  -- A release passed this acquisition a permit (see permit-release.lua) and its reply was lost
  -- (the client sends no attempt while a release that may pass it one is on its way): it is
  -- granted again, with a new token, as one permit.
  return {1, grantPermit(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], now, ARGV[3])}
end
dropGoneFairWaiters(KEYS[3], KEYS[4], now)
local free = freePermits(KEYS[1], permits, now)
-- Only the acquisitions queued before this one count: a newcomer is behind all of them.
local ahead = redis.call('ZRANK', KEYS[3], ARGV[1]) or redis.call('ZCARD', KEYS[3])
if ahead < free then
  if not count then
    redis.call('ZADD', KEYS[1], '+inf', 'count:' .. ARGV[4])
  end
  return {1, grantPermit(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], now, ARGV[3])}
end
if ARGV[5] == '1' then
  -- A waiter that tries again keeps its place, and proves it is alive.
  queueWaiter(KEYS[3], KEYS[4], ARGV[1], now, ARGV[6], ARGV[3])
end
if free > 0 then
  keepPermitsForWaiters(KEYS[3], KEYS[4], free, now, ARGV[7])
  return {0, tonumber(ARGV[7]), 1}
end
local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, math.ceil((tonumber(earliest[2]) - now) / 1000)), 1}
