/**
 * Distributed locks on Redis, with leases, a watchdog, a lost-lease signal and fencing tokens.
 *
 * <p>Start with {@link dev.fencelock.RedisLocks#connect(String)}, which gives a
 * {@link dev.fencelock.LockClient}; its {@link dev.fencelock.DistributedLock}s are
 * {@link java.util.concurrent.locks.Lock}s whose acquisitions return a {@link dev.fencelock.Lease}
 * carrying a fencing token. Everything else in this package is package-private: the Redis engine
 * (scripts, renewal, waiting) is not part of the API.
 *
 * <p>Arguments are never null unless a method says so; a null fails with a
 * {@link java.lang.NullPointerException} naming the argument.
 */
package dev.fencelock;
