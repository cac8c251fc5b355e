package dev.fencelock.redis;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.ReadWriteLockContract;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The read-write lock contract on the topology of {@link ClusterContractIT}: a three-master Redis Cluster. */
class ClusterReadWriteLockContractIT extends ReadWriteLockContract {

    @BeforeAll
    static void start() {
        ClusterContractIT.start();
    }

    @AfterAll
    static void stop() {
        ClusterContractIT.stop();
    }

    @Override
    protected LockEngine newClient() {
        return (LockEngine) RedisLocks.connect(ClusterContractIT.clusterOptions().build());
    }

    @Override
    protected List<String> locksLeft() {
        return ClusterContractIT.locksLeftInCluster();
    }

    @Override
    protected int watchesLeft(LockEngine client) {
        return TestClients.channels(client);
    }
}
