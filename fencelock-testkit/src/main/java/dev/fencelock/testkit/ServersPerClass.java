package dev.fencelock.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An extension that runs servers for a top-level test class, registered there as a static field
 * with {@code @RegisterExtension}: started before its first test and stopped after its last, once
 * for the class and all of its {@code @Nested} classes. JUnit calls an enclosing class's
 * {@code beforeAll} again for each nested class, which would start a second set of servers under
 * the first.
 */
public interface ServersPerClass extends BeforeAllCallback, AfterAllCallback {
    /** Starts the servers, before the class's first test. */
    void startServers();

    /**
     * Stops the servers, after the class's last test; also when {@link #startServers} failed part
     * of the way, so it stops whatever was started.
     */
    void stopServers();

    @Override
    default void beforeAll(ExtensionContext context) {
        if (isOutermost(context)) {
            startServers();
        }
    }

    @Override
    default void afterAll(ExtensionContext context) {
        if (isOutermost(context)) {
            stopServers();
        }
    }

    private static boolean isOutermost(ExtensionContext context) {
        return context.getParent().flatMap(ExtensionContext::getTestClass).isEmpty();
    }
}
