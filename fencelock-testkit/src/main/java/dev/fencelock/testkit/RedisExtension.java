package dev.fencelock.testkit;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that gives each {@link RedisServer} parameter a freshly started server, and
 * each {@link RedisServers} parameter annotated {@link Servers @Servers(n)} {@code n} of them, every
 * server distinct. Use it through {@link RedisTest} or {@code @ExtendWith(RedisExtension.class)}.
 *
 * <p>A parameter of a test method, of a {@code @BeforeEach} or {@code @AfterEach} method, or of the
 * test class's constructor gets servers that are stopped, and their directories deleted, once that
 * test is over, whether it passed or failed; a {@code @BeforeEach} method and its test share
 * nothing: each parameter gets its own servers. A parameter of a {@code @BeforeAll} method, or of
 * the constructor of a {@code @TestInstance(PER_CLASS)} class, gets servers that live until the
 * class's tests are over.
 *
 * <p>{@link AppendOnly @AppendOnly} on a parameter, or {@code @Servers(value = n, appendOnly = true)},
 * makes its servers keep their data across {@link RedisServer#restart()}.
 */
public final class RedisExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == RedisServer.class || type == RedisServers.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == RedisServer.class) {
            return start(parameter.isAnnotated(AppendOnly.class), context);
        }
        Servers servers = parameter.findAnnotation(Servers.class).orElseThrow(() -> new ParameterResolutionException(
                "a RedisServers parameter needs @Servers(n) to say how many: " + parameter.getParameter()));
        if (servers.value() < 1) {
            throw new ParameterResolutionException(
                    "@Servers needs at least 1 server, was " + servers.value() + ": " + parameter.getParameter());
        }
        List<RedisServer> started = new ArrayList<>();
        for (int i = 0; i < servers.value(); i++) {
            started.add(start(servers.appendOnly() || parameter.isAnnotated(AppendOnly.class), context));
        }
        return new RedisServers(started);
    }

    /**
     * Constructor parameters are resolved in the test's context, not the class's, so that their
     * servers are stopped after each test rather than piling up until the class is done.
     */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    private static RedisServer start(boolean appendOnly, ExtensionContext context) {
        RedisServer server = RedisServer.builder().appendOnly(appendOnly).start();
        // JUnit closes an AutoCloseable in the store when the context it belongs to closes: for a
        // test, after its @AfterEach methods, pass or fail. Stored one by one, so that the servers
        // started before a failing one are closed too.
        context.getStore(NAMESPACE).put(server, server);
        return server;
    }
}
