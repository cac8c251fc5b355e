-- Releases the locks of a multi-lock (see acquire.lua), each only if it still holds the caller's
-- owner token, and wakes one waiting client of each, as release.lua releases one lock. In one step
-- so that the waiters of every lock are woken by one call.
-- KEYS[6i-5..6i]  lock i: its KEYS[1..6] of release.lua (lock key, waiter queue, waiters'
--                 deadlines, last release, fair queue, fair deadlines)
-- ARGV[1]    owner token of the releasing lease
-- ARGV[2]    '1' to wake waiters (a release, or the rollback of a part taken on a Cluster, which
--            may have refused a waiter meanwhile); '0' to only delete
-- ARGV[3]    how long to remember each release in its last-release key, in milliseconds, or ''
--            (see release.lua's ARGV[7])
-- ARGV[4]    the fair lock's claim window in milliseconds
-- ARGV[5]    how the releases are announced (see release.lua's ARGV[9])
-- ARGV[5+i]  the channel of lock i
-- Returns    an array, for each lock: release.lua's 1, 0 or -1 (never 2: the caller is not requeued).
--! include lib.lua
local result = {}
for i = 1, #KEYS / 6 do
  local base = 6 * (i - 1)
  result[i] = releaseLock(KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4], KEYS[base + 5],
    KEYS[base + 6], nil, ARGV[1], ARGV[5 + i], ARGV[2], '', '', '', ARGV[3], ARGV[4], ARGV[5])
end
return result
