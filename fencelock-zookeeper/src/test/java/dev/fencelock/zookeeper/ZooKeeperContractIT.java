package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.LockContract;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lock contract on one ZooKeeper server; each test under a root path of its own. */
class ZooKeeperContractIT extends LockContract {
    @RegisterExtension
    static final ZooKeeperPerClass zooKeeper = new ZooKeeperPerClass();

    @Override
    protected LockEngine newClient() {
        // The suite's shortest lease is 2 s: a call must fit a third of it.
        return (LockEngine) ZooKeeperLocks.connect(zooKeeper.server().options(zooKeeper.root())
                .callTimeout(Duration.ofMillis(600)).build());
    }

    @Override
    protected void deleteLock(String name) {
        zooKeeper.server().deleteLock(zooKeeper.root(), name);
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
