-- Releases a lock only if it still holds the caller's owner token, and wakes one waiting client.
-- KEYS[1]  the lock key
-- KEYS[2]  the lock's waiter queue (see acquire.lua)
-- ARGV[1]  owner token of the releasing lease
-- ARGV[2]  channel on which waiters listen for the release
-- ARGV[3]  '1' to hand the lock on (a release); '0' to only delete (Redlock: the cleanup of a
--          minority grant, which frees nothing while another client holds the majority)
-- ARGV[4]  the releasing client's waiter id when more of its threads wait for the lock, else ''
-- ARGV[5]  time to live of the waiter queue in milliseconds (used with ARGV[4])
-- Returns  1 when deleted; 2 when deleted and the releasing client queued behind the one it woke;
--          0 when the key was gone; -1 when another owner holds it (untouched).
-- Atomic so that a key taken over by another owner between a check and a delete is never deleted.
-- The message names the longest-waiting client, taken off the queue, so that only it tries at
-- once rather than every waiter (a herd); an empty message wakes all. A client taken off the
-- queue that loses the race queues again; one that is gone delays the others until they stop
-- trusting the designation (the client's command timeout). A releasing client with threads still
-- waiting joins the back of the queue in the same step, rather than trying again at once and
-- overtaking the clients that waited longer.
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[3] == '1' then
    local next = redis.call('ZPOPMIN', KEYS[2])
    redis.call('PUBLISH', ARGV[2], next[1] or '')
    if next[1] and ARGV[4] ~= '' and next[1] ~= ARGV[4] then
      local time = redis.call('TIME')
      redis.call('ZADD', KEYS[2], 'NX', tonumber(time[1]) * 1000000 + tonumber(time[2]), ARGV[4])
      redis.call('PEXPIRE', KEYS[2], ARGV[5])
      return 2
    end
  end
  return 1
end
if current then
  return -1
end
return 0
