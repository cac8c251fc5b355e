package dev.fencelock;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** The lock contract on one redis-server. */
class SingleServerContractIT extends LockContract {
    private RedisServer redis;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
    }

    @Override
    void stopServers() {
        redis.close();
    }

    @Override
    LockClientOptions.Builder options() {
        return LockClientOptions.builder(redis.uri()).commandTimeout(Duration.ofMillis(300));
    }

    @Override
    void deleteLockKey(String name) {
        redis.call("DEL", "fencelock:{" + name + "}");
    }

    @Override
    List<String> lockKeysLeft() {
        return TestClients.settledLockKeys(redis);
    }
}
