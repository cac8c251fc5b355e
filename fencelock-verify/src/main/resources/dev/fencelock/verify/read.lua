-- Reads the counter for a reader of a read-write lock: refused when a writer with a newer token
-- has claimed it (that writer could only have been granted once this reader's lease was gone);
-- otherwise the reader's token raises the read fence, which makes every older writer stale (see
-- claim.lua). Readers never make each other stale: they share the lock.
-- KEYS[1]  the counter hash (value, fence, readfence, claimer)
-- ARGV[1]  the reader's fencing token
-- ARGV[2]  the reader, as client/lease (c3/17), for the nemesis that pauses the current holder
-- Returns  {1, value} when read; {0, newest writer's token} when the reader's token is older.
-- Atomic so that no writer's claim can slip between the check and the raise of the read fence.
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence')) or 0
local token = tonumber(ARGV[1])
if token < fence then
  return {0, fence}
end
if token > (tonumber(redis.call('HGET', KEYS[1], 'readfence')) or 0) then
  redis.call('HSET', KEYS[1], 'readfence', ARGV[1])
end
redis.call('HSET', KEYS[1], 'claimer', ARGV[2])
return {1, tonumber(redis.call('HGET', KEYS[1], 'value')) or 0}
