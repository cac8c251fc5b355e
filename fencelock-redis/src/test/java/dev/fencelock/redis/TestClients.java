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
        return connect(redis, options, Ticker.SYSTEM);
    }

    /** A client whose lease arithmetic reads {@code ticker}: a fake one, or one that fails on purpose. */
    RedisLockClient connect(RedisServer redis, UnaryOperator<LockClientOptions.Builder> options, Ticker ticker) {
        RedisLockClient client = new RedisLockClient(options.apply(
                LockClientOptions.builder(redis.uri()).commandTimeout(COMMAND_TIMEOUT)).build(), ticker);
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
                    assertThat(settledLockKeys(server)).as("lock keys and waiter queues left in Redis").isEmpty();
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

    /**
     * The lock keys and waiter queues left on {@code server} once the clients' last commands have
     * landed: a waiter that gave up leaves its queue with a command it does not wait for.
     */
    static List<String> settledLockKeys(RedisServer server) {
        try {
            Poll.until("lock keys and waiter queues gone from " + server, Duration.ofSeconds(5), () -> lockKeys(server).isEmpty());
        } catch (AssertionError left) {
            // The caller's assertion says what is left.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return lockKeys(server);
    }

    /**
     * The lock keys and waiter queues on {@code server}. Fence counters outlive their locks by
     * design, and so does the memory of the last release, briefly.
     */
    static List<String> lockKeys(RedisServer server) {
        @SuppressWarnings("unchecked")
        List<Object> keys = (List<Object>) server.call("KEYS", "fencelock:*");
        return keys.stream().map(String::valueOf)
                .filter(key -> !key.endsWith(":fence") && !key.endsWith(":last-release")).toList();
    }
}
