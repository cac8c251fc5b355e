package dev.fencelock.redis;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** The lock contract on one redis-server. */
class SingleServerContractIT extends RedisLockContract {
    private RedisServer redis;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
    }

    @Override
    protected void stopServers() {
        redis.close();
    }

    @Override
    RedisLockOptions.Builder options() {
        return RedisLockOptions.builder(redis.uri()).commandTimeout(Duration.ofMillis(300));
    }

    @Override
    protected void deleteLock(String name) {
        redis.call("DEL", "fencelock:{" + name + "}");
    }

    @Override
    protected List<String> locksLeft() {
        return TestClients.settledLockKeys(redis);
    }
}
