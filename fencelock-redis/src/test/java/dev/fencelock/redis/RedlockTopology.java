package dev.fencelock.redis;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Redlock over five independent redis-servers, started afresh for each test. */
final class RedlockTopology extends RedisTopology implements BeforeEachCallback {
    private final List<RedisServer> masters = new ArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) {
        // One at a time into the list, so that a failed start leaves the started ones to close.
        for (int i = 0; i < 5; i++) {
            masters.add(RedisServer.start());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        masters.forEach(RedisServer::close);
        masters.clear();
    }

    @Override
    RedisLockOptions.Builder options() {
        return RedisLockOptions.redlock(masters.stream().map(RedisServer::uri).toList())
                .commandTimeout(Duration.ofMillis(300))
                .redlockNodeTimeout(Duration.ofMillis(100));
    }

    @Override
    List<RedisServer> masters() {
        return masters;
    }
}
