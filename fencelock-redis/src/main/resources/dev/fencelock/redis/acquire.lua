-- Acquires a lock and mints its fencing token, in one step so that a token is minted exactly
-- for the acquisition that won the key; keeps the queue of waiting clients that releases wake
-- one at a time.
-- KEYS[1]  the lock key: the owner token as a plain string, as a distlock-spec client's SET NX PX
-- KEYS[2]  the lock's fence counter
-- KEYS[3]  the lock's waiter queue: a sorted set of waiting clients, scored by first arrival
-- KEYS[4]  the waiters' deadlines: a sorted set of the same clients, scored by the server time
--          (microseconds) after which a client that has not tried again is presumed dead
-- KEYS[5]  the lock's readers (see read-acquire.lua): while any reader's lease runs, the lock is held
-- ARGV[1]  owner token (128 random bits, hex)
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  time to live of the fence counter and the waiter queue in milliseconds, longer than any lease
-- ARGV[4]  the client's waiter id, or '' when it will not wait: queued while it waits, dequeued
--          when it wins
-- ARGV[5]  how long the waiter stays alive in the queue without trying again, in milliseconds
-- ARGV[6]  the prefix of every Fencelock owner token
-- Returns  {1, token} when acquired; {0, retry, fencelock} when held by another owner, where retry
--          is the key's remaining time in milliseconds (-1 when a foreign client set it without
--          expiry), or the time until the last reader's lease runs out, and fencelock is 0 when a
--          foreign client (a distlock-spec client, which publishes nothing) holds the key, so that
--          the waiter polls, else 1.
--! include lib.lua
local now = serverNow()

local function refused(retry)
  if ARGV[4] ~= '' then
    -- NX: a waiter that tries again keeps its place in the queue, and proves it is alive.
    redis.call('ZADD', KEYS[3], 'NX', now, ARGV[4])
    redis.call('ZADD', KEYS[4], now + tonumber(ARGV[5]) * 1000, ARGV[4])
    redis.call('PEXPIRE', KEYS[3], ARGV[3])
    redis.call('PEXPIRE', KEYS[4], ARGV[3])
  end
  return {0, retry, announcedHolder(KEYS[1], ARGV[6])}
end

local readersEnd = readersUntil(KEYS[5], now)
if readersEnd > now then
  return refused(math.ceil((readersEnd - now) / 1000))
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return refused(redis.call('PTTL', KEYS[1]))
end
if ARGV[4] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[4])
  redis.call('ZREM', KEYS[4], ARGV[4])
end
return {1, mintToken(KEYS[2], now, ARGV[3])}
