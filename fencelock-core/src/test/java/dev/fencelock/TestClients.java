package dev.fencelock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The lock clients of one test, closed after it with a check that nothing leaked: no lease still
 * renewed, no lock name still in use, no channel still subscribed, no lock key left in Redis.
 */
final class TestClients {
    static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);

    private final List<RedisLockClient> clients = new ArrayList<>();
    private final List<RedisServer> servers = new ArrayList<>();

    RedisLockClient connect(RedisServer redis) {
        return connect(redis, builder -> builder);
    }

    RedisLockClient connect(RedisServer redis, UnaryOperator<LockClientOptions.Builder> options) {
        RedisLockClient client = (RedisLockClient) RedisLocks.connect(options.apply(
                LockClientOptions.builder(redis.uri()).commandTimeout(COMMAND_TIMEOUT)).build());
        clients.add(client);
        if (!servers.contains(redis)) {
            servers.add(redis);
        }
        return client;
    }

    /** Call from {@code @AfterEach}: asserts that the test released everything, then closes. */
    void verifyNothingLeakedAndClose() {
        try {
            for (RedisLockClient client : clients) {
                // An abandoned acquisition may still have one attempt in flight: give it time to settle.
                awaitQuiet(client);
                assertThat(client.renewer().trackedCount()).as("leases still renewed by %s", client).isZero();
                assertThat(client.namesInUse()).as("lock names still in use in %s", client).isZero();
                assertThat(client.servers().channelCount()).as("channels still subscribed by %s", client).isZero();
            }
            for (RedisServer server : servers) {
                if (server.isRunning()) {
                    assertThat(lockKeys(server)).as("lock keys left in Redis").isEmpty();
                }
            }
        } finally {
            clients.forEach(RedisLockClient::close);
            clients.clear();
        }
    }

    static void awaitQuiet(RedisLockClient client) {
        try {
            Poll.until("settling of " + client, Duration.ofSeconds(5), () -> client.renewer().trackedCount() == 0
                    && client.namesInUse() == 0 && client.servers().channelCount() == 0);
        } catch (AssertionError unsettled) {
            // The assertions that follow say what is left.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static List<String> lockKeys(RedisServer server) {
        @SuppressWarnings("unchecked")
        List<Object> keys = (List<Object>) server.call("KEYS", "fencelock:*");
        return keys.stream().map(String::valueOf)
                .filter(key -> !key.endsWith(":fence") && !key.endsWith(":waiters"))
                .toList();
    }
}
