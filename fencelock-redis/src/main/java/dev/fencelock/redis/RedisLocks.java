package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.LockEngine;
import java.util.List;
import java.util.Objects;

/**
 * The entry point: connects {@link LockClient}s and {@link FencedRedis} resources to Redis.
 *
 * <pre>{@code
 * try (LockClient locks = RedisLocks.connect("redis://localhost:6379")) {
 *     DistributedLock lock = locks.lock("orders:42");
 *     try (Lease lease = lock.acquire(Duration.ofSeconds(5))) {
 *         lease.checkValid();
 *         orders.update(42, change, lease.fencingToken());
 *     }
 * }
 * }</pre>
 */
public final class RedisLocks {
    private RedisLocks() {}

    /**
     * Connects a lock client with default options to the Redis at {@code uri}.
     *
     * @param uri {@code redis://[user:password@]host[:port][/db]}, {@code rediss://…} for TLS, or
     *     {@code redis-sentinel://host:26379,host2:26379/0#mymaster} for the master Sentinel names
     * @throws IllegalArgumentException if {@code uri} is not a Redis URI
     * @throws LockUnavailableException if Redis cannot be reached within the connect timeout
     * @throws LockException if the server is older than Redis 5.0
     */
    public static LockClient connect(String uri) {
        return connect(RedisLockOptions.builder(uri).build());
    }

    /**
     * Connects a Redlock client over independent Redis masters with default options: a lock is
     * held when a majority of the masters granted it. The locks it hands out are the same
     * {@link DistributedLock}s as a single server's.
     *
     * @throws IllegalArgumentException if fewer than 3 URIs are given, or one is not a Redis URI
     * @throws LockUnavailableException if no majority of the masters can be reached
     */
    public static LockClient redlock(String... uris) {
        return connect(RedisLockOptions.redlock(List.of(uris)).build());
    }

    /**
     * Connects a lock client with default options to a Redis Cluster through its seed nodes.
     *
     * @throws IllegalArgumentException if no seed is given, or one is not a Redis URI
     * @throws LockUnavailableException if no seed can be reached within the connect timeout
     */
    public static LockClient cluster(String... seeds) {
        return connect(RedisLockOptions.cluster(List.of(seeds)).build());
    }

    /**
     * Connects a lock client with the given options.
     *
     * @throws LockUnavailableException if Redis cannot be reached within the connect timeout (under
     *     Redlock: if no majority of the masters can be)
     * @throws LockException if a server is older than Redis 5.0
     */
    public static LockClient connect(RedisLockOptions options) {
        RedisStore store = new RedisStore(Objects.requireNonNull(options, "options"));
        try {
            return LockEngine.start(store, options.defaultLease());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Connects to the Redis at {@code uri} as a fenced resource: values written only by holders
     * whose fencing token is not older than the last writer's.
     *
     * @throws IllegalArgumentException if {@code uri} is not a Redis URI
     * @throws LockUnavailableException if Redis cannot be reached within the connect timeout
     */
    public static FencedRedis fencedRedis(String uri) {
        return fencedRedis(RedisLockOptions.builder(uri).build());
    }

    /**
     * Connects to Redis as a fenced resource, with the timeouts of {@code options}.
     *
     * @throws IllegalArgumentException if {@code options} name Redlock masters or a Cluster: a
     *     fenced value's check and write must be one step on one server
     * @throws LockUnavailableException if Redis cannot be reached within the connect timeout
     */
    public static FencedRedis fencedRedis(RedisLockOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.uris().size() != 1 || options.isCluster()) {
            throw new IllegalArgumentException("a fenced resource lives on one Redis server, not on " + options.server());
        }
        return new RedisFencedValues(options);
    }
}
