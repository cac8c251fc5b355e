-- Claims the counter for a holder before it reads it: the resource remembers the newest fencing
-- token it has seen, so that a holder whose lease ended cannot write after a newer holder read.
-- (Fencing only the write would not do: a stale holder that read before the newer holder and
-- wrote before it would have its update overwritten, a lost update with correct tokens.)
-- A reader granted after the holder (readfence, raised by read.lua) makes the holder stale too: it
-- could only have been granted once the holder's lease was gone.
-- KEYS[1]  the counter: a hash with the fields value, fence (newest writer's token seen),
--          readfence (newest reader's token seen) and claimer
-- ARGV[1]  the holder's fencing token
-- ARGV[2]  the holder, as client/lease (c3/17), for the nemesis that pauses the current holder
-- ARGV[3]  '1' to check the token; '0' for the control run, which shows what happens without
-- Returns  {1, value} when claimed; {0, newest token seen} when the token is older than that.
-- Atomic so that no newer claim can slip between the check and the raise of the fence.
local fence = math.max(tonumber(redis.call('HGET', KEYS[1], 'fence')) or 0,
  tonumber(redis.call('HGET', KEYS[1], 'readfence')) or 0)
local token = tonumber(ARGV[1])
if ARGV[3] == '1' then
  if token < fence then
    return {0, fence}
  end
  redis.call('HSET', KEYS[1], 'fence', ARGV[1])
end
redis.call('HSET', KEYS[1], 'claimer', ARGV[2])
return {1, tonumber(redis.call('HGET', KEYS[1], 'value')) or 0}
