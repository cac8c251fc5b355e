-- Acquires a lock, or several locks at once for one owner (a multi-lock), all or none, and mints
-- one fencing token for them, in one step so that a token is minted exactly for the acquisition
-- that won the keys; keeps the queue of waiting clients that releases wake one at a time. Taking
-- every lock or none in one step is what keeps multi-locks over overlapping names free of
-- deadlock: nobody ever holds a part of one while waiting for the rest.
-- KEYS[5i-4..5i]  lock i (one lock: i = 1 only):
--   KEYS[5i-4]  the lock key: the owner token as a plain string, as a distlock-spec client's SET NX PX
--   KEYS[5i-3]  the lock's fence counter
--   KEYS[5i-2]  the lock's waiter queue: a sorted set of waiting clients, scored by first arrival
--   KEYS[5i-1]  the waiters' deadlines: a sorted set of the same clients, scored by the server time
--               (microseconds) after which a client that has not tried again is presumed dead
--   KEYS[5i]    the lock's readers (see read-acquire.lua): while any reader's lease runs, the lock is held
-- ARGV[1]  owner token (128 random bits, hex)
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  time to live of the fence counters and the waiter queues in milliseconds, longer than any lease
-- ARGV[4]  the client's waiter id, or '' when it will not wait: queued while it waits (on the
--          queue of the lock that refused it), dequeued from every lock's queue when it wins
-- ARGV[5]  how long the waiter stays alive in the queue without trying again, in milliseconds
-- ARGV[6]  the prefix of every Fencelock owner token
-- ARGV[7]  the step of the clock that seeds the token, in microseconds (see tokenClock)
-- Returns  {1, token} when acquired, token greater than every earlier token of every lock taken
--          and written back to each lock's counter (acquired again, with a new token and a whole
--          lease, where a lock holds ARGV[1] already: see takeOrWait in lib.lua); {0, retry,
--          fencelock, i} when lock i (the first held, in KEYS order) is held by another owner and
--          nothing was taken, where retry is the key's remaining time in milliseconds (-1 when a
--          foreign client set it without expiry), or the time until the last reader's lease runs
--          out, and fencelock is 0 when a foreign client (a distlock-spec client, which publishes
--          nothing) holds the key, so that the waiter polls, else 1.
--! include lib.lua
local now = serverNow()
local count = #KEYS / 5
for i = 1, count do
  local base = 5 * (i - 1)
  local wait = takeOrWait(KEYS[base + 1], KEYS[base + 5], now, ARGV[1], ARGV[2])
  if wait then
    -- The locks before this one were free, or this acquisition's, and this script took them: all
    -- or none.
    for j = 1, i - 1 do
      redis.call('DEL', KEYS[5 * (j - 1) + 1])
    end
    queueWaiter(KEYS[base + 3], KEYS[base + 4], ARGV[4], now, ARGV[5], ARGV[3])
    return {0, wait, announcedHolder(KEYS[base + 1], ARGV[6]), i}
  end
end
local fences = {}
for i = 1, count do
  local base = 5 * (i - 1)
  if ARGV[4] ~= '' then
    redis.call('ZREM', KEYS[base + 3], ARGV[4])
    redis.call('ZREM', KEYS[base + 4], ARGV[4])
  end
  fences[i] = KEYS[base + 2]
end
return {1, mintSharedToken(fences, tokenClock(now, ARGV[7]), ARGV[3])}
