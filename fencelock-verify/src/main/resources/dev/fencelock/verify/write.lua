-- Writes the counter and appends the write to the log, if no newer token was seen since the
-- holder's claim (with fencing), or always (the control run). A newer reader's token counts as
-- newer too (see claim.lua).
-- KEYS[1]  the counter hash (value, fence, readfence, claimer)
-- KEYS[2]  the log: a list of accepted writes, 'token value writer', in the order applied
-- ARGV[1]  the writer's fencing token
-- ARGV[2]  the new value (the value claimed, plus one)
-- ARGV[3]  the writer, as client/lease (c3/17)
-- ARGV[4]  '1' to check the token, '0' for the control run
-- Returns  {1, token} when written; {0, newest token seen} when rejected as stale.
-- Atomic so that the check, the write and its log entry are one step.
local fence = math.max(tonumber(redis.call('HGET', KEYS[1], 'fence')) or 0,
  tonumber(redis.call('HGET', KEYS[1], 'readfence')) or 0)
if ARGV[4] == '1' then
  if tonumber(ARGV[1]) < fence then
    return {0, fence}
  end
  redis.call('HSET', KEYS[1], 'fence', ARGV[1])
end
redis.call('HSET', KEYS[1], 'value', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
return {1, tonumber(ARGV[1])}
