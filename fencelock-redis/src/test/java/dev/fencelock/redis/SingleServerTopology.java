package dev.fencelock.redis;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** One redis-server, started afresh for each test. */
final class SingleServerTopology extends RedisTopology implements BeforeEachCallback {
    private RedisServer redis;

    @Override
    public void beforeEach(ExtensionContext context) {
        redis = RedisServer.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    @Override
    RedisLockOptions.Builder options() {
        return RedisLockOptions.builder(redis.uri()).commandTimeout(Duration.ofMillis(300));
    }

    @Override
    List<RedisServer> masters() {
        return List.of(redis);
    }
}
