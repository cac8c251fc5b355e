-- Renews a batch of leases in one call: the watchdog sends one per Redis connection per tick. A
-- fixed lease's extension and a release that keeps the key a while send a batch of one, whose new
-- lease may be shorter than the key's time left.
-- KEYS[i]      a lock key
-- ARGV[2i-1]   the owner token KEYS[i] must hold
-- ARGV[2i]     the new lease of KEYS[i] in milliseconds
-- Returns      an array, for each key: 1 renewed; 0 key gone; -1 held by another owner.
-- Compare-and-expire, never SET: a renewal that arrives after a release cannot bring a key back.
local result = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current == ARGV[2 * i - 1] then
    redis.call('PEXPIRE', key, ARGV[2 * i])
    result[i] = 1
  elseif current then
    result[i] = -1
  else
    result[i] = 0
  end
end
return result
