-- Releases a read lease if it still runs, and when it was the last one, wakes the exclusive waiter
-- that has waited longest.
-- KEYS[1]  the lock's readers (see read-acquire.lua)
-- KEYS[2]  the lock's waiter queue (see acquire.lua)
-- ARGV[1]  owner token of the reader
-- ARGV[2]  channel on which waiters listen for the release
-- Returns  1 when released; 0 when the lease had run out or was gone.
-- The message names the longest-waiting client without taking it off the queue (its acquire
-- does), or is empty, which wakes every waiter.
--! include lib.lua
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
local now = serverNow()
if redis.call('ZCOUNT', KEYS[1], now, '+inf') == 0 then
  local next = redis.call('ZRANGE', KEYS[2], 0, 0)
  redis.call('PUBLISH', ARGV[2], next[1] or '')
end
if tonumber(expiry) <= now then
  return 0
end
return 1
