package dev.fencelock.zookeeper;

import dev.fencelock.testkit.ServersPerClass;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestZooKeeper} for a test class and its nested classes (started before the first test,
 * stopped after the last) and a root path of its own for each test, so that a test sees only its own locks.
 * Registered as a static field with {@code @RegisterExtension}.
 */
class ZooKeeperPerClass implements ServersPerClass, BeforeEachCallback {
    private static final AtomicInteger tests = new AtomicInteger();
    private TestZooKeeper server;
    private String root;

    @Override
    public void startServers() {
        server = TestZooKeeper.start();
    }

    @Override
    public void stopServers() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        root = "/" + context.getRequiredTestClass().getSimpleName() + "-" + tests.incrementAndGet();
    }

    TestZooKeeper server() {
        return server;
    }

    /** The current test's root path. */
    String root() {
        return root;
    }
}
