package dev.fencelock.zookeeper;

import dev.fencelock.testkit.ServersPerClass;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestZooKeeper} for a test class and its nested classes (started before the first test,
 * stopped after the last) and a root path of its own for each test, so that a test sees only its own locks.
 * Registered as a static field with {@code @RegisterExtension}; a class annotated {@link SessionsUpTo}
 * gets a server that grants longer sessions.
 */
class ZooKeeperPerClass implements ServersPerClass, BeforeEachCallback {
    private static final AtomicInteger tests = new AtomicInteger();
    private TestZooKeeper server;
    private String root;
    private int maxSessionMillis;

    @Override
    public void beforeAll(ExtensionContext context) {
        // Set for every class: the extension is one static field, which the test classes share.
        SessionsUpTo sessions = context.getRequiredTestClass().getAnnotation(SessionsUpTo.class);
        maxSessionMillis = sessions == null ? TestZooKeeper.MAX_SESSION_MILLIS
                : Math.toIntExact(TimeUnit.SECONDS.toMillis(sessions.seconds()));
        ServersPerClass.super.beforeAll(context);
    }

    @Override
    public void startServers() {
        server = TestZooKeeper.start(maxSessionMillis);
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
