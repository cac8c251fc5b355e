/**
 * The Redis store behind the Fencelock API: {@code dev.fencelock.redis.RedisLocks} connects a
 * {@code LockClient} to one server, a Sentinel-managed master, a Cluster or Redlock masters.
 * Everything but the entry point, its options and {@code FencedRedis} is package-private.
 */
module dev.fencelock.redis {
    requires transitive dev.fencelock.core;
    requires lettuce.core;
    // Lettuce announces topology changes on a Reactor event bus.
    requires reactor.core;
    requires org.slf4j;

    exports dev.fencelock.redis;
}
