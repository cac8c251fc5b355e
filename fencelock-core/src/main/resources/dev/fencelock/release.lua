-- Releases a lock only if it still holds the caller's owner token, and wakes its waiters.
-- KEYS[1]  the lock key
-- ARGV[1]  owner token of the releasing lease
-- ARGV[2]  channel on which waiters listen for the release
-- Returns  1 when deleted; 0 when the key was gone; -1 when another owner holds it (untouched).
-- Atomic so that a key taken over by another owner between a check and a delete is never deleted.
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], 'released')
  return 1
end
if current then
  return -1
end
return 0
