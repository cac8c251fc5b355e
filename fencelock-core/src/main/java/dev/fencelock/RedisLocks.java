package dev.fencelock;

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
     * @param uri {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://…} for TLS
     * @throws IllegalArgumentException if {@code uri} is not a Redis URI
     * @throws LockUnavailableException if Redis cannot be reached within the connect timeout
     */
    public static LockClient connect(String uri) {
        return connect(LockClientOptions.builder(uri).build());
    }

    /**
     * Connects a lock client with the given options.
     *
     * @throws LockUnavailableException if Redis cannot be reached within the connect timeout
     */
    public static LockClient connect(LockClientOptions options) {
        return new RedisLockClient(Objects.requireNonNull(options, "options"), Ticker.SYSTEM);
    }

    /**
     * Connects to the Redis at {@code uri} as a fenced resource: values written only by holders
     * whose fencing token is not older than the last writer's.
     *
     * @throws IllegalArgumentException if {@code uri} is not a Redis URI
     * @throws LockUnavailableException if Redis cannot be reached within the connect timeout
     */
    public static FencedRedis fencedRedis(String uri) {
        return fencedRedis(LockClientOptions.builder(uri).build());
    }

    /** Connects to Redis as a fenced resource, with the timeouts of {@code options}. */
    public static FencedRedis fencedRedis(LockClientOptions options) {
        Objects.requireNonNull(options, "options");
        return new RedisFencedValues(RedisNode.connect(options.uri(), options.commandTimeout(), options.connectTimeout()));
    }
}
