package dev.fencelock.redis;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.ReadWriteLockContract;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The read-write lock contract on the topology of {@link SentinelContractIT}: a master and a replica watched by three sentinels. */
class SentinelReadWriteLockContractIT extends ReadWriteLockContract {

    @BeforeAll
    static void start() {
        SentinelContractIT.start();
    }

    @AfterAll
    static void stop() {
        SentinelContractIT.stop();
    }

    @Override
    protected LockEngine newClient() {
        return (LockEngine) RedisLocks.connect(SentinelContractIT.sentinelOptions().build());
    }

    @Override
    protected List<String> locksLeft() {
        return TestClients.settledLockKeys(SentinelContractIT.master);
    }

    @Override
    protected int watchesLeft(LockEngine client) {
        return TestClients.channels(client);
    }
}
