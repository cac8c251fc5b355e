-- Releases a read lease if it still runs, and when it was the last one, announces the lock free
-- as release.lua does: to the head of the fair queue, else to the exclusive waiter that has
-- waited longest.
-- KEYS[1]  the lock's readers (see read-acquire.lua)
-- KEYS[2]  the lock's waiter queue (see acquire.lua)
-- KEYS[3]  the waiters' deadlines (see acquire.lua)
-- KEYS[4]  the fair queue (see fair-acquire.lua)
-- KEYS[5]  the fair deadlines (see fair-acquire.lua)
-- KEYS[6]  the name's recent releases: the owner tokens of the read leases and permits released
--          lately, scored by the server time (µs) until which each is remembered (see
--          rememberRelease in lib.lua)
-- ARGV[1]  owner token of the reader
-- ARGV[2]  channel on which waiters listen for the release
-- ARGV[3]  the fair lock's claim window in milliseconds
-- ARGV[4]  how the release is announced (see release.lua's ARGV[9])
-- ARGV[5]  how long to remember this release in KEYS[6], in milliseconds: a release whose reply was
--          lost is sent again, and the second one must tell "removed by the first" from "ran out or
--          removed before the release"
-- Returns  1 when released (or released by the same release sent before, per KEYS[6]); 0 when the
--          lease had run out or was gone.
--! include lib.lua
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry then
  return releasedBefore(KEYS[6], ARGV[1]) and 1 or 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
local now = serverNow()
if redis.call('ZCOUNT', KEYS[1], now, '+inf') == 0 then
  announceRelease(ARGV[2], ARGV[4], KEYS[2], KEYS[3], KEYS[4], KEYS[5], now, ARGV[3], false)
end
if tonumber(expiry) <= now then
  return 0
end
rememberRelease(KEYS[6], ARGV[1], now, ARGV[5])
return 1
