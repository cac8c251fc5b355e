-- Counts the readers whose leases still run (see read-acquire.lua), by the server's clock.
-- KEYS[1]  the lock's readers
-- Returns  the number of live readers.
--! include lib.lua
return redis.call('ZCOUNT', KEYS[1], serverNow(), '+inf')
