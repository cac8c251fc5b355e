package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the ZooKeeper tests share: one server per class, a root path per test, the clients a test
 * connects (closed after it), and the check that a test left no node behind.
 */
abstract class ZooKeeperIT {
    private static final AtomicInteger tests = new AtomicInteger();
    static TestZooKeeper zooKeeper;
    String root;
    private final List<LockEngine> clients = new ArrayList<>();

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
        root = "/" + getClass().getSimpleName() + "-" + tests.incrementAndGet();
    }

    @AfterEach
    void nothingLeft() throws InterruptedException {
        try {
            for (LockEngine client : clients) {
                Poll.until("settling of " + client, Duration.ofSeconds(10),
                        () -> client.leasesWatched() == 0 && TestZooKeeper.watchesLeft(client) == 0);
            }
            Poll.until("no nodes left under " + root, Duration.ofSeconds(10), () -> zooKeeper.locksLeft(root).isEmpty());
        } catch (AssertionError unsettled) {
            assertThat(zooKeeper.locksLeft(root)).as("nodes left").isEmpty();
            throw unsettled;
        } finally {
            clients.forEach(LockEngine::close);
        }
    }

    LockEngine connect() {
        return connect(UnaryOperator.identity());
    }

    LockEngine connect(UnaryOperator<ZooKeeperLockOptions.Builder> options) {
        LockEngine client = (LockEngine) ZooKeeperLocks.connect(options.apply(zooKeeper.options(root)).build());
        clients.add(client);
        return client;
    }
}
