package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the ZooKeeper tests share: one server per class, a root path per test, the clients a test
 * connects (closed after it), and the check that a test left no node behind.
 */
abstract class ZooKeeperIT {
    @RegisterExtension
    static final ZooKeeperPerClass perClass = new ZooKeeperPerClass();
    TestZooKeeper zooKeeper;
    String root;
    private final List<LockEngine> clients = new ArrayList<>();

    @BeforeEach
    void serverAndRoot() {
        zooKeeper = perClass.server();
        root = perClass.root();
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
        return connect(options.apply(zooKeeper.options(root)).build());
    }

    /** A client through another address of the server (a proxy), on the test's root path. */
    LockEngine connectThrough(String connectString, UnaryOperator<ZooKeeperLockOptions.Builder> options) {
        return connect(options.apply(ZooKeeperLockOptions.builder(connectString).rootPath(root)).build());
    }

    private LockEngine connect(ZooKeeperLockOptions options) {
        LockEngine client = (LockEngine) ZooKeeperLocks.connect(options);
        clients.add(client);
        return client;
    }
}
