-- Writes a value only if the writer's fencing token is not older than the last accepted one.
-- KEYS[1]  a hash with the fields 'value' and 'fence' (the token of the last accepted write)
-- ARGV[1]  the value
-- ARGV[2]  the writer's fencing token
-- Returns  {1, token} when written; {0, stored token} when rejected as stale.
-- Atomic so that no write can slip between the token check and the write.
local stored = tonumber(redis.call('HGET', KEYS[1], 'fence'))
local token = tonumber(ARGV[2])
if stored and token < stored then
  return {0, stored}
end
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'fence', ARGV[2])
return {1, token}
