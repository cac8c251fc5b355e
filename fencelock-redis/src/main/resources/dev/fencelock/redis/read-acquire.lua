-- Acquires a read lease and mints its fencing token from the lock's one sequence: readers share
-- the lock with each other, never with an exclusive holder, and wait while an exclusive acquisition
-- waits (writer preference), so that a stream of readers cannot starve writers.
-- KEYS[1]  the lock key (see acquire.lua): the exclusive holder's owner token
-- KEYS[2]  the lock's fence counter
-- KEYS[3]  the lock's readers: a sorted set of reader owner tokens, scored by the server time
--          (microseconds) at which each reader's lease runs out
-- KEYS[4]  the deadlines of the clients queued for the exclusive lock (see acquire.lua)
-- KEYS[5]  the deadlines of the fair lock's queued acquisitions (see fair-acquire.lua)
-- ARGV[1]  owner token of the reader
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  time to live of the fence counter in milliseconds, and the least the readers live (see
--          liveAtLeast in lib.lua), longer than this lease
-- ARGV[4]  the owner token of the exclusive lease the same caller holds, granted beside it (a
--          downgrade), or ''
-- ARGV[5]  how long to wait before trying again while an exclusive acquisition waits, in milliseconds
-- ARGV[6]  the prefix of every Fencelock owner token
-- ARGV[7]  the step of the clock that seeds the token, in microseconds (see tokenClock)
-- Returns  {1, token} when acquired; {0, retry, fencelock} when refused: the exclusive holder's
--          remaining time (-1 when a foreign client set the key without expiry), or ARGV[5] when a
--          writer waits; fencelock as in acquire.lua.
--! include lib.lua
local now = serverNow()
local holder = lockValue(KEYS[1])
if holder and holder ~= ARGV[4] then
  return {0, redis.call('PTTL', KEYS[1]), announcedHolder(KEYS[1], ARGV[6])}
end
-- A caller that holds the exclusive lock goes ahead of the writers that wait for it.
if not holder and (redis.call('ZCOUNT', KEYS[4], now, '+inf') > 0 or redis.call('ZCOUNT', KEYS[5], now, '+inf') > 0) then
  return {0, tonumber(ARGV[5]), 1}
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]) * 1000, ARGV[1])
liveAtLeast(KEYS[3], ARGV[3])
return {1, mintToken(KEYS[2], tokenClock(now, ARGV[7]), ARGV[3])}
