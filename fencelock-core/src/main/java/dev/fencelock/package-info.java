/**
 * Distributed locks with leases, a watchdog, a lost-lease signal and fencing tokens: the API, the
 * same for every store.
 *
 * <p>Start with a store's entry point, such as {@code dev.fencelock.redis.RedisLocks.connect(uri)},
 * which gives a {@link dev.fencelock.LockClient}; its {@link dev.fencelock.DistributedLock}s are
 * {@link java.util.concurrent.locks.Lock}s whose acquisitions return a {@link dev.fencelock.Lease}
 * carrying a fencing token. The engine behind them, and the interface a store implements, are in
 * {@link dev.fencelock.spi}.
 *
 * <p>Arguments are never null unless a method says so; a null fails with a
 * {@link java.lang.NullPointerException} naming the argument.
 */
package dev.fencelock;
