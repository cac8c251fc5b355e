-- Releases a lock only if it still holds the caller's owner token, and wakes one waiting client.
-- KEYS[1]  the lock key
-- KEYS[2]  the lock's waiter queue (see acquire.lua)
-- ARGV[1]  owner token of the releasing lease
-- ARGV[2]  channel on which waiters listen for the release
-- ARGV[3]  '1' to hand the lock on (a release); '0' to only delete (Redlock: the cleanup of a
--          minority grant, which frees nothing while another client holds the majority)
-- Returns  1 when deleted; 0 when the key was gone; -1 when another owner holds it (untouched).
-- Atomic so that a key taken over by another owner between a check and a delete is never deleted.
-- The message names the longest-waiting client, taken off the queue, so that only it tries at
-- once rather than every waiter (a herd); an empty message wakes all. A client taken off the
-- queue that loses the race queues again; one that is gone delays the others until they stop
-- trusting the designation (the client's command timeout).
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[3] == '1' then
    local next = redis.call('ZPOPMIN', KEYS[2])
    redis.call('PUBLISH', ARGV[2], next[1] or '')
  end
  return 1
end
if current then
  return -1
end
return 0
