package dev.fencelock.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a fresh {@link RedisServer} for each {@code RedisServer} parameter of a test method (or
 * of its {@code @BeforeEach}), and stops it after the test, pass or fail. Use it through
 * {@link RedisTest}.
 */
public final class RedisExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        RedisServer server = RedisServer.start();
        // An AutoCloseable in the store is closed by JUnit when the test's context closes, after
        // the @AfterEach methods have run.
        context.getStore(NAMESPACE).put(server, server);
        return server;
    }
}
