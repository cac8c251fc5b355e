-- Redlock: raises a master's fence counter to the token the client will hand out (the maximum
-- of the tokens the granting masters minted), but only while that master still holds this
-- owner's lock, so that a late write-back cannot raise a counter for a lease that is gone.
-- Any two majorities share a master, so the next majority's tokens exceed this one.
-- KEYS[1]  the lock key
-- KEYS[2]  the lock's fence counter
-- ARGV[1]  owner token
-- ARGV[2]  the fencing token to raise the counter to
-- ARGV[3]  time to live of the fence counter in milliseconds
-- Returns  1 when the counter is now at least the token; 0 when this master does not hold the lock.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if (tonumber(redis.call('GET', KEYS[2])) or 0) < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
end
return 1
