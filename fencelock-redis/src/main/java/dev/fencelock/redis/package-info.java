/**
 * Fencelock on Redis: {@link dev.fencelock.redis.RedisLocks} connects a
 * {@link dev.fencelock.LockClient} to one server, a Sentinel-managed master, a Cluster or Redlock
 * masters, and {@link dev.fencelock.redis.FencedRedis} keeps values that only the newest holder may
 * write. Options are {@link dev.fencelock.redis.RedisLockOptions}. The store itself (scripts,
 * quorum, pub/sub waiting) is package-private, behind {@link dev.fencelock.spi.LockStore}.
 *
 * <p>Arguments are never null unless a method says so; a null fails with a
 * {@link java.lang.NullPointerException} naming the argument.
 */
package dev.fencelock.redis;
