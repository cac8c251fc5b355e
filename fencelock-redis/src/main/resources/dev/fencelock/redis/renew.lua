-- Renews a batch of leases in one call: the watchdog sends one per Redis connection per tick. A
-- fixed lease's extension and a release that keeps the key a while send a batch of one, whose new
-- lease may be shorter than the lease's time left.
-- KEYS[i]      for i <= ARGV[1], a lock key; after those, the readers of a lock (read-acquire.lua) or the
--              holders of a semaphore (permit-acquire.lua): sorted sets of owner tokens scored by expiry
-- ARGV[1]      how many of the keys are lock keys
-- ARGV[2i]     the owner token of lease i
-- ARGV[2i+1]   the new lease of lease i in milliseconds
-- Returns      an array, for each lease: 1 renewed; 0 gone (a reader: run out); -1 held by another owner.
-- Compare-and-expire, never SET: a renewal that arrives after a release cannot bring a lease back.
--! include lib.lua
local exclusive = tonumber(ARGV[1])
local result = {}
local now
for i, key in ipairs(KEYS) do
  local owner, lease = ARGV[2 * i], ARGV[2 * i + 1]
  if i <= exclusive then
    local current = lockValue(key)
    if current == owner then
      redis.call('PEXPIRE', key, lease)
      result[i] = 1
    elseif current then
      result[i] = -1
    else
      result[i] = 0
    end
  else
    now = now or serverNow()
    local expiry = tonumber(redis.call('ZSCORE', key, owner))
    if expiry and expiry > now then
      redis.call('ZADD', key, 'XX', now + tonumber(lease) * 1000, owner)
      liveAtLeast(key, 2 * tonumber(lease))
      result[i] = 1
    else
      if expiry then
        redis.call('ZREM', key, owner)
      end
      result[i] = 0
    end
  end
end
return result
