package dev.fencelock.verify;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import io.lettuce.core.RedisConnectionException;
import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import dev.fencelock.zookeeper.ZooKeeperLockOptions;
import dev.fencelock.zookeeper.ZooKeeperLocks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One client process of the verification harness. It loops until told to stop (a {@code stop}
 * line on stdin, or stdin closed): acquire the lock {@value #LOCK_NAME} (plain, fair, a side of
 * the read-write lock, or a permit of the semaphore of that name: {@link LockUnderTest}); claim the counter on each resource with the lease's
 * fencing token (the read); hold for a random short time; write the value read plus one (the
 * write); release. A reader, or a permit's holder, reads the counter instead, before and after its
 * hold, and never writes. Every step is an {@link Event} in its history file.
 *
 * <p>It never calls {@code checkValid()} before writing: it plays the holder whose write is already
 * on its way when it is paused, so that fencing is the only defence left, and the checker shows
 * what it caught. Prints {@code READY} when connected and {@code STOPPED} when done.
 *
 * <p>Arguments: see {@link ClientConfig}.
 */
final class VerifyClient {
    /** The lock every client contends for. */
    static final String LOCK_NAME = "verify";
    /** How long to wait for the lost signal of a release that found the lease lost. */
    private static final Duration SIGNAL_WAIT = Duration.ofSeconds(5);
    /** The pause after an acquisition that found Redis unreachable, so a dead node is not hammered. */
    private static final Duration UNAVAILABLE_BACKOFF = Duration.ofMillis(50);
    private static final int RESOURCE_CONNECT_ATTEMPTS = 5;

    private final ClientConfig config;
    private final HistoryWriter history;
    private final LockUnderTest.Choice choice;
    private final List<FencedResource> resources;
    private final Random random;
    /** Completed when the harness says stop: the round in progress ends early, and no new one begins. */
    private final CompletableFuture<Void> stop;

    private VerifyClient(ClientConfig config, HistoryWriter history, LockClient locks, List<FencedResource> resources,
            CompletableFuture<Void> stop) {
        this.config = config;
        this.history = history;
        this.choice = config.lock().open(locks, LOCK_NAME);
        this.resources = resources;
        this.random = new Random(config.seed());
        this.stop = stop;
    }

    public static void main(String[] args) throws InterruptedException {
        ClientConfig config = ClientConfig.parse(args);
        CompletableFuture<Void> stop = new CompletableFuture<>();
        Thread stdin = new Thread(() -> awaitStop(stop), "stop-reader");
        stdin.setDaemon(true);
        stdin.start();
        List<FencedResource> resources = new ArrayList<>();
        try (HistoryWriter history = new HistoryWriter(config.history(), config.process());
                LockClient locks = connect(config)) {
            resources.add(openCounter(config));
            if (config.hasPostgres()) {
                resources.add(PostgresCounter.open(config.postgresUrl(), config.postgresTable()));
            }
            System.out.println("READY");
            new VerifyClient(config, history, locks, resources, stop).run();
        } finally {
            resources.forEach(FencedResource::close);
        }
        System.out.println("STOPPED");
        // Lettuce's and the JDBC driver's threads must not keep a stopped client alive.
        System.exit(0);
    }

    /**
     * The counter on the resource Redis, whose connection is tried a few times: on a machine loaded
     * enough, a client JVM that has just started (and connected its lock client) can miss the 2 s in
     * which Lettuce opens a connection. The resource is the harness's, never faulted; a retry there
     * weakens no check.
     */
    private static RedisCounter openCounter(ClientConfig config) {
        for (int attempt = 1; ; attempt++) {
            try {
                return new RedisCounter(config.redisResource(), config.fenced(), Duration.ofSeconds(2));
            } catch (RedisConnectionException e) {
                if (attempt == RESOURCE_CONNECT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * A client of the store the lock URIs name: a ZooKeeper ensemble ({@link ZooKeeperTopology#SCHEME}),
     * whose session is the lease, or Redis.
     */
    private static LockClient connect(ClientConfig config) {
        String first = config.lockUris().get(0);
        if (first.startsWith(ZooKeeperTopology.SCHEME)) {
            return ZooKeeperLocks.connect(ZooKeeperLockOptions.builder(first.substring(ZooKeeperTopology.SCHEME.length()))
                    .sessionTimeout(ZooKeeperTopology.sessionTimeout(config.lease()))
                    .callTimeout(config.commandTimeout())
                    .defaultLease(config.lease())
                    .build());
        }
        return RedisLocks.connect(lockOptions(config));
    }

    private static RedisLockOptions lockOptions(ClientConfig config) {
        RedisLockOptions.Builder options = config.lockUris().size() == 1
                ? RedisLockOptions.builder(config.lockUris().get(0))
                : RedisLockOptions.redlock(config.lockUris()).redlockNodeTimeout(config.redlockNodeTimeout());
        return options.defaultLease(config.lease()).commandTimeout(config.commandTimeout()).build();
    }

    private static void awaitStop(CompletableFuture<Void> stop) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("stop")) {
                    break;
                }
            }
        } catch (IOException e) {
            // The harness is gone: stop as if told to.
        }
        stop.complete(null);
    }

    private void run() throws InterruptedException {
        for (long lease = 1; !stop.isDone(); lease++) {
            round(lease);
        }
    }

    /**
     * One round: acquire, claim, hold, write, release; or, for a reader of the read-write lock,
     * acquire, read, hold, read again, release (the checker compares the two reads).
     */
    private void round(long n) throws InterruptedException {
        LockUnderTest.Round round = choice.next(random);
        // The lease length goes with it: the checker tells from it which freezes outlasted a permit's
        // lease, and by when a lost lease's holder must have been told.
        history.record(n, Type.INVOKE, Op.ACQUIRE, Event.NONE, Event.NONE,
                (round.kind().isEmpty() ? "" : "kind=" + round.kind() + " ") + "lease_ms=" + config.lease().toMillis());
        CompletableFuture<Lease> acquisition = round.lock().acquireAsync(config.acquireWait(), LeaseOptions.renewing(config.lease()));
        CompletableFuture.anyOf(acquisition, stop).exceptionally(error -> null).join();
        // Told to stop while waiting: abandon the wait (a grant that comes later is released by the
        // library). Cancelling an acquisition that has finished does nothing.
        acquisition.cancel(false);
        Lease lease;
        try {
            lease = acquisition.join();
        } catch (CancellationException e) {
            history.record(n, Type.FAIL, Op.ACQUIRE, Event.NONE, Event.NONE, "reason=stopped");
            return;
        } catch (CompletionException e) {
            if (e.getCause() instanceof LockTimeoutException) {
                history.record(n, Type.FAIL, Op.ACQUIRE, Event.NONE, Event.NONE, "reason=timeout");
                return;
            }
            if (e.getCause() instanceof LockUnavailableException) {
                // Unknown: Redis may have granted it and the reply was lost; the key then expires.
                history.record(n, Type.INFO, Op.ACQUIRE, Event.NONE, Event.NONE, "reason=unavailable");
                pauseUnlessStopped(UNAVAILABLE_BACKOFF);
                return;
            }
            throw e;
        }
        long token = lease.fencingToken();
        history.record(n, Type.OK, Op.ACQUIRE, token, Event.NONE, "");
        // The control's clients keep quiet, so that its checker must find the losses unsignalled.
        CompletableFuture<Void> lostRecorded = !config.recordsLostSignals() ? CompletableFuture.completedFuture(null)
                : lease.lost().thenAccept(lost -> history.record(n, Type.SIGNAL, Op.LOST, token, Event.NONE,
                        "reason=" + lost.reason())).toCompletableFuture();

        String holder = config.process() + "/" + n;
        if (round.isShared()) {
            touch(n, Op.READ, token, " at=start", resource -> resource.read(token, holder));
            pauseUnlessStopped(Duration.ofMillis(holdMillis()));
            touch(n, Op.READ, token, " at=end", resource -> resource.read(token, holder));
        } else {
            Map<FencedResource, Long> claimed = touch(n, Op.CLAIM, token, "", resource -> resource.claim(token, holder));
            // The work done under the lock (cut short when told to stop). A SIGSTOP that lands here is
            // the paused holder of Kleppmann's critique: it wakes up and writes, believing it still
            // holds the lock.
            pauseUnlessStopped(Duration.ofMillis(holdMillis()));
            write(n, token, claimed, holder);
        }

        history.record(n, Type.INVOKE, Op.RELEASE, token, Event.NONE, "");
        try {
            ReleaseOutcome outcome = lease.release();
            history.record(n, Type.OK, Op.RELEASE, token, Event.NONE, "outcome=" + outcome);
            if (outcome == ReleaseOutcome.ALREADY_LOST) {
                awaitRecorded(lostRecorded);
            }
        } catch (LockUnavailableException e) {
            history.record(n, Type.INFO, Op.RELEASE, token, Event.NONE, "error=unavailable");
        }
    }

    /**
     * Claims or reads the counter on each resource with the lease's token, recording each step;
     * returns the value that each resource that accepted it gave.
     */
    private Map<FencedResource, Long> touch(long n, Op op, long token, String phase,
            Function<FencedResource, FencedResource.Claim> call) {
        Map<FencedResource, Long> accepted = new LinkedHashMap<>();
        for (FencedResource resource : resources) {
            String where = "resource=" + resource.name() + phase;
            history.record(n, Type.INVOKE, op, token, Event.NONE, where);
            try {
                FencedResource.Claim claim = call.apply(resource);
                if (claim.accepted()) {
                    accepted.put(resource, claim.value());
                    history.record(n, Type.OK, op, token, claim.value(), where);
                } else {
                    history.record(n, Type.FAIL, op, token, Event.NONE, where + " reason=stale stored=" + claim.storedFence());
                }
            } catch (RuntimeException e) {
                history.record(n, Type.INFO, op, token, Event.NONE, where + " error=" + e.getClass().getSimpleName());
            }
        }
        return accepted;
    }

    /** Writes the value claimed plus one to each resource that accepted the claim. */
    private void write(long n, long token, Map<FencedResource, Long> claimed, String writer) {
        for (Map.Entry<FencedResource, Long> entry : claimed.entrySet()) {
            FencedResource resource = entry.getKey();
            long value = entry.getValue() + 1;
            String where = "resource=" + resource.name();
            history.record(n, Type.INVOKE, Op.WRITE, token, value, where);
            try {
                FencedResource.Write write = resource.write(token, value, writer);
                history.record(n, write.accepted() ? Type.OK : Type.FAIL, Op.WRITE, token, value,
                        write.accepted() ? where : where + " reason=stale stored=" + write.storedFence());
            } catch (RuntimeException e) {
                history.record(n, Type.INFO, Op.WRITE, token, value, where + " error=" + e.getClass().getSimpleName());
            }
        }
    }

    /** Waits for {@code span}, or less if told to stop meanwhile. */
    private void pauseUnlessStopped(Duration span) throws InterruptedException {
        try {
            stop.get(span.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // The span is over.
        }
    }

    /**
     * How long to work under the lock this round: mostly a short while; sometimes longer than the
     * lease, so that the watchdog renews it and a fault can take it away while it is held.
     */
    private long holdMillis() {
        boolean longHold = random.nextInt(100) < config.longHoldPercent();
        long min = (longHold ? config.longHoldMin() : config.holdMin()).toMillis();
        long max = (longHold ? config.longHoldMax() : config.holdMax()).toMillis();
        return min + (long) (random.nextDouble() * (max - min + 1));
    }

    /**
     * Waits, boundedly, until the lost signal is in the history: the process may be told to stop
     * next, and a signal raised but not yet recorded would look missed. One that never comes is
     * exactly what the checker counts as missed.
     */
    private static void awaitRecorded(CompletableFuture<Void> lostRecorded) throws InterruptedException {
        try {
            lostRecorded.get(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Not signalled: the checker reports it from the history.
        }
    }
}
