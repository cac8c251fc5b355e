-- Releases a lock only if it still holds the caller's owner token, and wakes one waiting client.
-- KEYS[1]  the lock key
-- KEYS[2]  the lock's waiter queue (see acquire.lua)
-- KEYS[3]  the waiters' deadlines (see acquire.lua)
-- KEYS[4]  the lock's last release: the owner token of the release that last deleted the key
-- KEYS[5]  the fair queue (see fair-acquire.lua)
-- KEYS[6]  the fair deadlines (see fair-acquire.lua)
-- ARGV[1]  owner token of the releasing lease
-- ARGV[2]  channel on which waiters listen for the release
-- ARGV[3]  '1' to hand the lock on (a release); '0' to only delete (Redlock: the cleanup of a
--          minority grant, which frees nothing while another client holds the majority)
-- ARGV[4]  the releasing client's waiter id when more of its threads wait for the lock, else ''
-- ARGV[5]  time to live of the waiter queue in milliseconds (used with ARGV[4])
-- ARGV[6]  how long the requeued client stays alive in the queue without trying, in milliseconds
-- ARGV[7]  how long to remember this release in KEYS[4], in milliseconds, or '' not to: a
--          release whose reply was lost is sent again, and the second one must tell "deleted by
--          the first" from "expired before the release"
-- ARGV[8]  the fair lock's claim window in milliseconds
-- ARGV[9]  '1' to announce the release with sharded pub/sub (a Cluster of Redis 7.0+), else '0'
-- Returns  1 when deleted (or deleted by the same release sent before, per KEYS[4]); 2 when
--          deleted and the releasing client queued behind the one it woke; 0 when the key was
--          gone; -1 when another owner holds it (untouched).
-- Atomic so that a key taken over by another owner between a check and a delete is never deleted.
-- When fair acquisitions wait, the lock is kept for the head of their queue: the message names it,
-- and the one behind it, which tries when the head's claim window has passed ('<head> <next>'),
-- and nobody else is woken. Otherwise the message names the longest-waiting live client, taken off the queue, so that only it tries
-- at once rather than every waiter (a herd); an empty message wakes all. Clients whose deadline
-- has passed (crashed or cut off while waiting) are dropped instead of named, so that they do not
-- each delay the others by a designation timeout. A client taken off the queue that loses the
-- race queues again; one that is gone delays the others until they stop trusting the designation
-- (the client's command timeout). A releasing client with threads still waiting joins the back of
-- the queue in the same step, rather than trying again at once and overtaking the clients that
-- waited longer.
--! include lib.lua
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[7] ~= '' then
    redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[7])
  end
  if ARGV[3] == '1' then
    local now = serverNow()
    local named = announceRelease(ARGV[2], ARGV[9], KEYS[2], KEYS[3], KEYS[5], KEYS[6], now, ARGV[8], true)
    if named and named ~= '' and ARGV[4] ~= '' and named ~= ARGV[4] then
      redis.call('ZADD', KEYS[2], 'NX', now, ARGV[4])
      redis.call('ZADD', KEYS[3], now + tonumber(ARGV[6]) * 1000, ARGV[4])
      redis.call('PEXPIRE', KEYS[2], ARGV[5])
      redis.call('PEXPIRE', KEYS[3], ARGV[5])
      return 2
    end
  end
  return 1
end
if current then
  return -1
end
if ARGV[7] ~= '' and redis.call('GET', KEYS[4]) == ARGV[1] then
  return 1
end
return 0
