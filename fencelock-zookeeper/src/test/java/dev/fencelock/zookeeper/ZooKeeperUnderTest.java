package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.StoreUnderTest;
import java.time.Duration;
import java.util.List;

/** The contracts' store: one ZooKeeper server for a test class, each test under a root path of its own. */
final class ZooKeeperUnderTest extends ZooKeeperPerClass implements StoreUnderTest {

    @Override
    public LockEngine newClient() {
        // The contracts' shortest lease is 2 s: a call must fit a third of it.
        return (LockEngine) ZooKeeperLocks.connect(server().options(root()).callTimeout(Duration.ofMillis(600)).build());
    }

    /** Waiters try again on their own at the session timeout asked for, whatever the server grants. */
    @Override
    public LockEngine newPatientClient() {
        return (LockEngine) ZooKeeperLocks.connect(server().options(root()).callTimeout(Duration.ofMillis(600))
                .sessionTimeout(Duration.ofSeconds(60)).build());
    }

    @Override
    public List<String> locksLeft() {
        return server().locksLeft(root());
    }

    @Override
    public int watchesLeft(LockEngine client) {
        return TestZooKeeper.watchesLeft(client);
    }

    /** A waiter watches before its first try here; its refused node is what says it waits. */
    @Override
    public boolean isWaiting(LockEngine client) {
        return TestZooKeeper.waitingNodes(client) > 0;
    }

    @Override
    public void deleteLock(String name) {
        server().deleteLock(root(), name);
    }
}
