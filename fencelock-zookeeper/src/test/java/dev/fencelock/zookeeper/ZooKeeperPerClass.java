package dev.fencelock.zookeeper;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestZooKeeper} for a test class (started before its first test, stopped after its last)
 * and a root path of its own for each test, so that a test sees only its own locks.
 * Registered as a static field with {@code @RegisterExtension}.
 */
class ZooKeeperPerClass implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private static final AtomicInteger tests = new AtomicInteger();
    private TestZooKeeper server;
    private String root;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = TestZooKeeper.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
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
