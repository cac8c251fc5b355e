-- Counts the leases of a sorted set scored by expiry that still run, by the server's clock: the
-- readers of a lock (see read-acquire.lua), or the permits of a semaphore (see permit-acquire.lua),
-- whose count, scored +inf, is no lease.
-- KEYS[1]  the lock's readers, or the semaphore's holders
-- Returns  the number of live leases.
--! include lib.lua
return redis.call('ZCOUNT', KEYS[1], serverNow(), '(+inf')
