package dev.fencelock.redis;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.ReadWriteLockContract;
import dev.fencelock.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** The read-write lock contract on the topology of {@link RedlockContractIT}: five independent masters. */
class RedlockReadWriteLockContractIT extends ReadWriteLockContract {
    private final List<RedisServer> masters = new ArrayList<>();

    @BeforeEach
    void start() {
        RedlockContractIT.startMasters(masters);
    }

    @Override
    protected void stopServers() {
        masters.forEach(RedisServer::close);
    }

    @Override
    protected LockEngine newClient() {
        return (LockEngine) RedisLocks.connect(RedlockContractIT.redlockOptions(masters).build());
    }

    @Override
    protected List<String> locksLeft() {
        return RedlockContractIT.settledLockKeys(masters);
    }

    @Override
    protected int watchesLeft(LockEngine client) {
        return TestClients.channels(client);
    }
}
