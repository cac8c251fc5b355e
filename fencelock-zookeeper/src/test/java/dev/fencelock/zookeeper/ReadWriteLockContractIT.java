package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.ReadWriteLockContract;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The read-write lock contract on one ZooKeeper server; each test under a root path of its own. */
class ReadWriteLockContractIT extends ReadWriteLockContract {
    @RegisterExtension
    static final ZooKeeperPerClass zooKeeper = new ZooKeeperPerClass();

    @Override
    protected LockEngine newClient() {
        return (LockEngine) ZooKeeperLocks.connect(zooKeeper.server().options(zooKeeper.root()).build());
    }

    @Override
    protected List<String> locksLeft() {
        return zooKeeper.server().locksLeft(zooKeeper.root());
    }

    @Override
    protected int watchesLeft(LockEngine client) {
        return TestZooKeeper.watchesLeft(client);
    }

    /** A waiter watches before its first try here; its refused node is what says it waits. */
    @Override
    protected boolean isWaiting(LockEngine client) {
        return TestZooKeeper.waitingNodes(client) > 0;
    }
}
