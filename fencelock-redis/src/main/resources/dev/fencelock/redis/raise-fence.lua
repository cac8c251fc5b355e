-- Redlock: raises a master's fence counter to the token the client will hand out (the maximum
-- of the tokens the granting masters minted), on every master the client reaches, whether or not
-- it granted this acquisition: any majority that keeps its data then shares a master with the
-- counters raised, so later tokens exceed this one although the masters that granted it restart
-- without persistence. Raising a counter never harms: tokens only need to grow.
-- KEYS[1]  the lock key
-- KEYS[2]  the lock's fence counter
-- KEYS[3]  the lock's readers (see read-acquire.lua)
-- ARGV[1]  owner token, of an exclusive lease or of a reader
-- ARGV[2]  the fencing token to raise the counter to
-- ARGV[3]  time to live of the fence counter in milliseconds
-- Returns  1 when this master holds the lock for the owner (its counter is now at least the
--          token); 0 when it does not hold it (its counter was raised all the same).
if (tonumber(redis.call('GET', KEYS[2])) or 0) < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] and not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return 0
end
return 1
