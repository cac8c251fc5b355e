package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.LeakCheck;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * The lock clients of one test, closed after it with a check that nothing leaked: no lease still
 * renewed, no lock name still in use, no channel still subscribed, no lock key left in Redis.
 */
final class TestClients {
    static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);

    private final List<LockEngine> clients = new ArrayList<>();
    private final List<RedisServer> servers = new ArrayList<>();

    LockEngine connect(RedisServer redis) {
        return connect(redis, builder -> builder);
    }

    LockEngine connect(RedisServer redis, UnaryOperator<RedisLockOptions.Builder> options) {
        return connect(RedisLockOptions.builder(redis.uri()), List.of(redis), options);
    }

    /**
     * A client whose timers are far beyond a test, so that only a release wakes its waiters and
     * every script a test counts is one of its hand-offs: a 20 s command timeout (a plain waiter's
     * keep-alive and designation timeout; 200 s for fair and semaphore waiters) and a 2 min default
     * lease (renewed at 40 s).
     */
    LockEngine connectWithoutTimers(RedisServer redis) {
        return connect(redis, options -> options.commandTimeout(Duration.ofSeconds(20)).defaultLease(Duration.ofMinutes(2)));
    }

    /** A client of a cluster; the check after the test looks at every master. */
    LockEngine connect(RedisCluster cluster, UnaryOperator<RedisLockOptions.Builder> options) {
        return connect(RedisLockOptions.cluster(cluster.seedUris()), cluster.masters(), options);
    }

    private LockEngine connect(RedisLockOptions.Builder topology, List<RedisServer> servedBy,
            UnaryOperator<RedisLockOptions.Builder> options) {
        LockEngine client = (LockEngine) RedisLocks.connect(options.apply(topology.commandTimeout(COMMAND_TIMEOUT)).build());
        clients.add(client);
        servedBy.stream().filter(server -> !servers.contains(server)).forEach(servers::add);
        return client;
    }

    /** Call from {@code @AfterEach}: asserts that the test released everything, then closes. */
    void verifyNothingLeakedAndClose() {
        try {
            for (LockEngine client : clients) {
                LeakCheck.assertSettled(client, TestClients::channels);
            }
            for (RedisServer server : servers) {
                // A master that failed over and came back is a replica: its keys are its master's.
                if (server.isRunning() && isMaster(server)) {
                    assertThat(settledLockKeys(server)).as("lock keys and waiter queues left in Redis").isEmpty();
                }
            }
        } finally {
            clients.forEach(LockEngine::close);
            clients.clear();
        }
    }

    /** The Redis store under an engine. */
    static RedisStore store(LockEngine client) {
        return (RedisStore) client.store();
    }

    /** The client's connection to {@code master}, one of its Redlock masters. */
    static RedisNode nodeOf(LockEngine client, RedisServer master) {
        return store(client).servers().nodes().stream()
                .filter(node -> node.server().equals(master.host() + ":" + master.port())).findFirst().orElseThrow();
    }

    /** The fencing token of an attempt that must have been granted, {@code described} in the failure otherwise. */
    static long grantedToken(Attempt attempt, String described) {
        assertThat(attempt).as(described).isInstanceOf(Attempt.Granted.class);
        return ((Attempt.Granted) attempt).fencingToken();
    }

    /**
     * Waits until the lease of {@code owner} in {@code leases} (a lock's readers, a semaphore's
     * holders: scored by the server time, in µs, at which each runs out) has run out by the server's
     * clock, as the scripts judge it.
     */
    static void awaitRunOut(RedisServer redis, String leases, String owner) throws InterruptedException {
        double end = Double.parseDouble(String.valueOf(redis.call("ZSCORE", leases, owner)));
        Poll.until(owner + "'s lease run out on the server", Duration.ofSeconds(10), () -> {
            List<?> time = (List<?>) redis.call("TIME");
            return Long.parseLong(String.valueOf(time.get(0))) * 1_000_000 + Long.parseLong(String.valueOf(time.get(1))) >= end;
        });
    }

    /** Release channels still subscribed by the client's store. */
    static int channels(LockEngine client) {
        return store(client).servers().channelCount();
    }

    /**
     * Whether an acquisition of {@code client} is queued on {@code server}: refused, and waiting
     * for a release. A lock's waiter queues under its client's waiter id, a fair or a permit
     * acquisition under its owner token.
     */
    static boolean isQueued(LockEngine client, RedisServer server) {
        LockServers servers = store(client).servers();
        Set<String> queuedAs = new HashSet<>(servers.namedWaiters());
        queuedAs.add(servers.waiterId());
        @SuppressWarnings("unchecked")
        List<Object> keys = (List<Object>) server.call("KEYS", "fencelock:*");
        return keys.stream().map(String::valueOf).filter(TestClients::isQueue).anyMatch(queue ->
                queuedAs.stream().anyMatch(id -> server.call("ZSCORE", queue, id) != null));
    }

    private static boolean isQueue(String key) {
        return key.endsWith(":waiters") || key.endsWith(":fair-queue") || key.endsWith(":permit-queue");
    }

    /**
     * Waits until every server has run what {@code client} sent it so far: a PING on the client's
     * own connection is answered after all of it. A master thawed from a pause works through its
     * backlog for a while, and between a release and the next acquisition in it the lock key is
     * briefly gone, which a check for keys left would take for the end. Commands sent later, in
     * answer to replies (a late grant's cleanup, a raised counter), only delete keys or raise
     * counters, which the check for keys left waits for.
     */
    static void awaitBacklogs(LockEngine client) {
        for (RedisNode node : store(client).servers().nodes()) {
            try {
                node.commands().ping().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException down) {
                // Down, or still frozen after 10 s: its backlog runs when it is back, if ever.
            }
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
     * design, and so does a semaphore's count (kept with its holders), the memory of the last
     * release and of the recent read and permit releases, briefly, and the Redlock masters' restart
     * marker.
     */
    static List<String> lockKeys(RedisServer server) {
        @SuppressWarnings("unchecked")
        List<Object> keys = (List<Object>) server.call("KEYS", "fencelock:*");
        return keys.stream().map(String::valueOf)
                .filter(key -> !key.endsWith(":fence") && !key.endsWith(":last-release") && !key.endsWith(":recent-releases")
                        && !key.endsWith(":restart-marker") && !isCountOnly(server, key))
                .toList();
    }

    private static boolean isMaster(RedisServer server) {
        return "master".equals(String.valueOf(((List<?>) server.call("ROLE")).get(0)));
    }

    /** Whether {@code key} is a semaphore's holders with no holder left, only the count. */
    private static boolean isCountOnly(RedisServer server, String key) {
        return key.endsWith(LockKeys.PERMITS_SUFFIX) && (Long) server.call("ZCOUNT", key, "-inf", "(+inf") == 0;
    }
}
