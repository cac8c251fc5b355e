-- Acquires a lock and mints its fencing token, in one step so that a token is minted exactly
-- for the acquisition that won the key; keeps the queue of waiting clients that releases wake
-- one at a time.
-- KEYS[1]  the lock key: the owner token as a plain string, as a distlock-spec client's SET NX PX
-- KEYS[2]  the lock's fence counter
-- KEYS[3]  the lock's waiter queue: a sorted set of waiting clients, scored by first arrival
-- KEYS[4]  the waiters' deadlines: a sorted set of the same clients, scored by the server time
--          (microseconds) after which a client that has not tried again is presumed dead
-- ARGV[1]  owner token (128 random bits, hex)
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  time to live of the fence counter and the waiter queue in milliseconds, longer than any lease
-- ARGV[4]  the client's waiter id, or '' when it will not wait: queued while it waits, dequeued
--          when it wins
-- ARGV[5]  how long the waiter stays alive in the queue without trying again, in milliseconds
-- ARGV[6]  the prefix of every Fencelock owner token
-- Returns  {1, token} when acquired; {0, pttl, fencelock} when held by another owner, where pttl
--          is the key's remaining time in milliseconds (-1 when a foreign client set it without
--          expiry) and fencelock is 1 when the holder's value has the prefix (a Fencelock client,
--          whose release will be published), 0 for a foreign client (a distlock-spec client, which
--          publishes nothing: the waiter polls).
-- The token is max(counter + 1, server time in microseconds): it keeps increasing even when the
-- counter was lost (expired, or Redis restarted without persistence), as long as the server's
-- clock does not step back. Never a client's clock: the server's alone bounds the tokens.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if ARGV[4] ~= '' then
    -- NX: a waiter that tries again keeps its place in the queue, and proves it is alive.
    redis.call('ZADD', KEYS[3], 'NX', now, ARGV[4])
    redis.call('ZADD', KEYS[4], now + tonumber(ARGV[5]) * 1000, ARGV[4])
    redis.call('PEXPIRE', KEYS[3], ARGV[3])
    redis.call('PEXPIRE', KEYS[4], ARGV[3])
  end
  -- pcall: a foreign client may have put something other than a string there.
  local holder = redis.pcall('GET', KEYS[1])
  local fencelock = type(holder) == 'string' and string.sub(holder, 1, #ARGV[6]) == ARGV[6]
  return {0, redis.call('PTTL', KEYS[1]), fencelock and 1 or 0}
end
if ARGV[4] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[4])
  redis.call('ZREM', KEYS[4], ARGV[4])
end
local token = math.max((tonumber(redis.call('GET', KEYS[2])) or 0) + 1, now)
-- '%.0f': exact for any integer below 2^53, where '%d' would go through a C long.
redis.call('SET', KEYS[2], string.format('%.0f', token), 'PX', ARGV[3])
return {1, token}
