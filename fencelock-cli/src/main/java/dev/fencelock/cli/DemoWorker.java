package dev.fencelock.cli;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.jdbc.StaleTokenException;
import dev.fencelock.redis.FencedRedis;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.zookeeper.ZooKeeperLockOptions;
import dev.fencelock.zookeeper.ZooKeeperLocks;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The demo's worker processes, started by {@link DemoCommand} with the same class path and the Redis
 * URI in {@link #REDIS_VARIABLE}: {@code locked N} and {@code unlocked N} count themselves in
 * {@link DemoCommand#READY} once connected, then increment the counter N times when a line arrives
 * on stdin; {@code paused-holder LEASE_MS} holds the lock until told to write on stdin, then writes
 * to Redis and, when {@link DemoDatabase#URL_VARIABLE} is set, to the database.
 */
final class DemoWorker {
    private DemoWorker() {}

    /** Hands the Redis URI to a worker: not in its arguments, which ps shows with the URI's password. */
    static final String REDIS_VARIABLE = "FENCELOCK_DEMO_REDIS_URL";
    /** Names the ZooKeeper ensemble that holds the locks, when they are not in Redis. */
    static final String ZOOKEEPER_VARIABLE = "FENCELOCK_DEMO_ZOOKEEPER";
    /** The session of the demo's clients on ZooKeeper: the frozen holder's lock passes on when it expires. */
    static final Duration ZOOKEEPER_SESSION = Duration.ofSeconds(3);
    /** The connect and command timeout of the demo's own reads and writes of its keys. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** The same for the delete of its keys at the end, which Ctrl-C waits for. */
    private static final Duration CLEANUP_TIMEOUT = Duration.ofSeconds(2);

    static Process start(String mode, String uri, String argument, Optional<String> zookeeper) throws IOException {
        return start(mode, uri, argument, zookeeper, Optional.empty());
    }

    /**
     * Starts a worker; {@code zookeeper}, if present, holds the locks; {@code uri} and {@code jdbcUrl},
     * if present, reach it in the environment, where ps does not show them.
     */
    static Process start(String mode, String uri, String argument, Optional<String> zookeeper, Optional<String> jdbcUrl)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-XX:TieredStopAtLevel=1",
                DemoWorker.class.getName(), mode, argument));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (!mode.equals("paused-holder")) {
            builder.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        }
        builder.environment().put(REDIS_VARIABLE, uri);
        jdbcUrl.ifPresent(url -> builder.environment().put(DemoDatabase.URL_VARIABLE, url));
        zookeeper.ifPresent(ensemble -> builder.environment().put(ZOOKEEPER_VARIABLE, ensemble));
        return builder.start();
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String uri = System.getenv(REDIS_VARIABLE);
        switch (mode) {
            case "locked", "unlocked" -> increment(uri, Integer.parseInt(args[1]), mode.equals("locked"));
            case "paused-holder" -> holdUntilToldToWrite(uri, Duration.ofMillis(Long.parseLong(args[1])));
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    /**
     * The demo's locks: in Redis at {@code uri}, or in the ZooKeeper ensemble {@code zookeeper} when
     * it is given, with leases of {@code lease} and a call timeout of a quarter of it.
     */
    static LockClient locks(String uri, String zookeeper, Duration lease) {
        Duration callTimeout = lease.dividedBy(4).compareTo(RedisLockOptions.DEFAULT_COMMAND_TIMEOUT) < 0
                ? lease.dividedBy(4) : RedisLockOptions.DEFAULT_COMMAND_TIMEOUT;
        if (zookeeper != null) {
            // A call must fit a third of what an answer confirms: two thirds of the session.
            Duration sessionCall = ZOOKEEPER_SESSION.dividedBy(6);
            return ZooKeeperLocks.connect(ZooKeeperLockOptions.builder(zookeeper).sessionTimeout(ZOOKEEPER_SESSION)
                    .connectionTimeout(ZOOKEEPER_SESSION)
                    .defaultLease(lease).callTimeout(callTimeout.compareTo(sessionCall) < 0 ? callTimeout : sessionCall).build());
        }
        return RedisLocks.connect(RedisLockOptions.builder(uri).defaultLease(lease).commandTimeout(callTimeout).build());
    }

    private static void increment(String uri, int increments, boolean locked) throws InterruptedException {
        try (LockClient locks = locks(uri, System.getenv(ZOOKEEPER_VARIABLE), RedisLockOptions.DEFAULT_LEASE)) {
            DistributedLock lock = locks.lock(DemoCommand.LOCK);
            withRedis(uri, redis -> {
                // Connected: say so, and start when the demo says all workers are, so that they
                // overlap however slowly their JVMs start.
                redis.incr(DemoCommand.READY);
                awaitStart();
                for (int i = 0; i < increments; i++) {
                    if (locked) {
                        lock.lock();
                    }
                    try {
                        String value = redis.get(DemoCommand.COUNTER);
                        pause();
                        redis.set(DemoCommand.COUNTER, Long.toString(Long.parseLong(value) + 1));
                    } finally {
                        if (locked) {
                            lock.unlock();
                        }
                    }
                }
                return null;
            });
        }
    }

    /** Waits for the demo's line on stdin. */
    private static void awaitStart() {
        try {
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("the demo's start signal could not be read", e);
        }
    }

    /** The read-modify-write window: long enough that unlocked workers overlap. */
    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void holdUntilToldToWrite(String uri, Duration lease) throws Exception {
        // The short lease makes the frozen holder's loss quick to see; its command timeout, a quarter
        // of it, must still let this fresh JVM's first acquisition be answered on a busy machine.
        try (LockClient locks = locks(uri, System.getenv(ZOOKEEPER_VARIABLE), lease);
                FencedRedis resource = RedisLocks.fencedRedis(uri)) {
            Lease held = locks.lock(DemoCommand.LOCK).acquire(Duration.ofSeconds(10), LeaseOptions.renewing(lease));
            System.out.println("acquired with fencing token " + held.fencingToken());
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            CompletableFuture<LockLostException> lost = held.lost().toCompletableFuture();
            try {
                System.out.println("lost-lease signal: " + lost.get(5, TimeUnit.SECONDS).getMessage());
            } catch (TimeoutException e) {
                System.out.println("no lost-lease signal within 5 s");
            }
            // A holder that ignores the signal and writes anyway, as a paused process would.
            FencedRedis.Write write = resource.write(DemoCommand.FENCED_REPORT, "stale write", held.fencingToken());
            System.out.println(write.accepted()
                    ? "ACCEPTED the stale write with token " + held.fencingToken()
                    : "REJECTED its write: token " + held.fencingToken() + " is older than " + write.storedToken());
            String jdbcUrl = System.getenv(DemoDatabase.URL_VARIABLE);
            if (jdbcUrl != null) {
                try {
                    DemoDatabase.connect(jdbcUrl).write(DemoCommand.LOCK, held.fencingToken(), "stale write");
                    System.out.println("ACCEPTED the stale database write with token " + held.fencingToken());
                } catch (StaleTokenException e) {
                    System.out.println("REJECTED its database write: " + e.getMessage());
                }
            }
            held.close();
        }
    }

    static long readCounter(String uri) {
        return withRedis(uri, redis -> Long.parseLong(redis.get(DemoCommand.COUNTER)));
    }

    /**
     * Forgets the fenced report of an earlier run: its token may come from another store, or from a
     * ZooKeeper ensemble whose zxids began again, as the demo's own ensemble does at every run.
     */
    static void resetReport(String uri) {
        withRedis(uri, redis -> redis.del(DemoCommand.FENCED_REPORT));
    }

    /** Sets the counter to zero and forgets the workers of a round before. */
    static void resetCounter(String uri) {
        withRedis(uri, redis -> {
            redis.del(DemoCommand.READY);
            return redis.set(DemoCommand.COUNTER, "0");
        });
    }

    /**
     * The demo's keys in a Redis it did not start, deleted when the demo ends; the lock's own keys
     * expire by themselves.
     */
    static AutoCloseable keysDeletedAtEnd(String uri) {
        return new AutoCloseable() {
            @Override
            public void close() {
                try {
                    withRedis(uri, CLEANUP_TIMEOUT, redis -> redis.del(DemoCommand.COUNTER, DemoCommand.READY, DemoCommand.FENCED_REPORT));
                } catch (LockUnavailableException unreachable) {
                    // The demo said so already, or it ends because of it: nothing of its own to delete there.
                }
            }

            @Override
            public String toString() {
                return "the demo's keys in Redis";
            }
        };
    }

    /** How many workers of this round have connected. */
    static long workersReady(String uri) {
        return withRedis(uri, redis -> Long.parseLong(Objects.requireNonNullElse(redis.get(DemoCommand.READY), "0")));
    }

    private static <T> T withRedis(String uri, Function<RedisCommands<String, String>, T> work) {
        return withRedis(uri, CALL_TIMEOUT, work);
    }

    private static <T> T withRedis(String uri, Duration timeout, Function<RedisCommands<String, String>, T> work) {
        RedisURI server = RedisURI.create(uri);
        server.setTimeout(timeout);
        RedisClient client = RedisClient.create(server);
        client.setOptions(ClientOptions.builder().socketOptions(SocketOptions.builder().connectTimeout(timeout).build()).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return work.apply(connection.sync());
        } catch (RedisConnectionException e) {
            // A one-line exit 69 for a wrong REDIS_URL, as run gives, rather than a stack trace.
            throw new LockUnavailableException("cannot connect to Redis at " + server.getHost() + ":" + server.getPort(), e);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
