-- Counts the free permits of a semaphore: those no live lease holds, by the server's clock.
-- KEYS[1]  the semaphore's holders (see permit-acquire.lua)
-- ARGV[1]  the count of permits the client names
-- Returns  {1, free}; {-1, count} when the semaphore has another count.
--! include lib.lua
local permits = tonumber(ARGV[1])
local count = permitCount(KEYS[1])
if count and count ~= permits then
  return {-1, count}
end
local now = serverNow()
return {1, permits - redis.call('ZCOUNT', KEYS[1], now, '(+inf')}
