package dev.fencelock.redis;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.ReadWriteLockContract;
import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** The read-write lock contract on one redis-server. */
class SingleServerReadWriteLockContractIT extends ReadWriteLockContract {
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
    protected LockEngine newClient() {
        return (LockEngine) RedisLocks.connect(RedisLockOptions.builder(redis.uri()).commandTimeout(Duration.ofMillis(300)).build());
    }

    @Override
    protected List<String> locksLeft() {
        return TestClients.settledLockKeys(redis);
    }

    @Override
    protected int watchesLeft(LockEngine client) {
        return TestClients.channels(client);
    }
}
