package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.LockContract;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The lock contract on one ZooKeeper server; each test under a root path of its own. */
class ZooKeeperContractIT extends LockContract {
    private static final AtomicInteger tests = new AtomicInteger();
    private static TestZooKeeper zooKeeper;
    private String root;

    @BeforeAll
    static void startServer() {
        zooKeeper = TestZooKeeper.start();
    }

    @AfterAll
    static void stopServer() {
        zooKeeper.close();
    }

    @BeforeEach
    void newRoot() {
        root = "/contract-" + getClass().getSimpleName() + "-" + tests.incrementAndGet();
    }

    @Override
    protected LockEngine newClient() {
        // The suite's shortest lease is 2 s: a call must fit a third of it.
        return (LockEngine) ZooKeeperLocks.connect(zooKeeper.options(root).callTimeout(Duration.ofMillis(600)).build());
    }

    @Override
    protected void deleteLock(String name) {
        zooKeeper.deleteLock(root, name);
    }

    @Override
    protected List<String> locksLeft() {
        return zooKeeper.locksLeft(root);
    }

    @Override
    protected int watchesLeft(LockEngine client) {
        return TestZooKeeper.watchesLeft(client);
    }
}
