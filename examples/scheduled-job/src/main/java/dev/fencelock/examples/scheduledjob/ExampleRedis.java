package dev.fencelock.examples.scheduledjob;

import dev.fencelock.testkit.RedisServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis the example works on: the one at {@code REDIS_URL} (or {@code --redis.url}), or, when
 * none is given, a redis-server started for this run and stopped with it, as {@code ./fencelock demo}
 * does. A real application has its Redis configured and needs none of this.
 */
final class ExampleRedis implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExampleRedis.class);

    private final String uri;
    private final RedisServer started;

    private ExampleRedis(String uri, RedisServer started) {
        this.uri = uri;
        this.started = started;
    }

    static ExampleRedis at(String configuredUri) {
        if (!configuredUri.isBlank()) {
            return new ExampleRedis(configuredUri, null);
        }
        RedisServer server = RedisServer.start();
        log.info("REDIS_URL is unset: started redis-server on {}", server.uri());
        return new ExampleRedis(server.uri(), server);
    }

    String uri() {
        return uri;
    }

    @Override
    public void close() {
        if (started != null) {
            started.close();
        }
    }
}
