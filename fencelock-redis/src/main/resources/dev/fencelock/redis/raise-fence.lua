-- Raises fence counters to a token minted elsewhere, and tells whether the owner still holds the
-- locks. Redlock: a master's counter is raised to the token the client will hand out (the maximum
-- of the tokens the granting masters minted), on every master the client reaches, whether or not
-- it granted this acquisition: any majority that keeps its data then shares a master with the
-- counters raised, so later tokens exceed this one although the masters that granted it restart
-- without persistence. A multi-lock on a Cluster: the counters of the locks of one hash slot are
-- raised to the token of the whole multi-lock (the maximum of the tokens its slots minted), so that
-- every later token of each lock exceeds it. Raising a counter never harms: tokens only need to grow.
-- KEYS[3i-2]  the key of lock i (one lock, or the locks of one hash slot)
-- KEYS[3i-1]  its fence counter
-- KEYS[3i]    its readers (see read-acquire.lua)
-- ARGV[1]  owner token, of an exclusive lease or of a reader
-- ARGV[2]  the fencing token to raise the counters to
-- ARGV[3]  time to live of the fence counters in milliseconds
-- Returns  1 when this server holds every lock for the owner (each counter is now at least the
--          token); 0 when it does not hold one of them (the counters were raised all the same).
--! include lib.lua
local held = 1
for i = 1, #KEYS / 3 do
  local lock, fence, readers = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  if (tonumber(redis.call('GET', fence)) or 0) < tonumber(ARGV[2]) then
    redis.call('SET', fence, ARGV[2], 'PX', ARGV[3])
  end
  if lockValue(lock) ~= ARGV[1] and not redis.call('ZSCORE', readers, ARGV[1]) then
    held = 0
  end
end
return held
