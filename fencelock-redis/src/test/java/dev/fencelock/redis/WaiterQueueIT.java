package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.ChildJvm;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients waiting for one lock queue in Redis, and a release wakes only the longest-waiting one:
 * no herd of attempts across processes, and no waiter stranded by one that is gone.
 */
@RedisTest
class WaiterQueueIT {
    private static final String WAITERS = "fencelock:{queued}:waiters";
    private static final String DEADLINES = "fencelock:{queued}:waiter-deadlines";
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void aReleaseWakesOnlyTheLongestWaitingClient(RedisServer redis) throws Exception {
        DistributedLock holderLock = clients.connectWithoutTimers(redis).lock("queued");
        LockEngine first = clients.connectWithoutTimers(redis);
        LockEngine second = clients.connectWithoutTimers(redis);
        Lease held = holderLock.acquire(Duration.ZERO);
        CompletableFuture<Lease> firstWaits = startWaiting(first, redis);
        CompletableFuture<Lease> secondWaits = startWaiting(second, redis);
        assertThat(zcard(redis)).as("clients queued").isEqualTo(2);
        redis.resetStats();

        held.close();

        try (Lease firstLease = firstWaits.get(5, TimeUnit.SECONDS)) {
            Poll.throughout(Duration.ofMillis(300), () -> {
                assertThat(secondWaits).as("the second waiter, not woken").isNotDone();
                assertThat(redis.commandCalls().get("evalsha")).as("scripts run: the release and one acquire").isEqualTo(2);
            });
        }
        try (Lease secondLease = secondWaits.get(5, TimeUnit.SECONDS)) {
            assertThat(zcard(redis)).as("waiters left in the queue").isZero();
        }
    }

    @Test
    void aFreeLockIsTakenWithoutReadingARemainingLeaseAndItsReleaseAnnouncesNothingWhenNobodyWaits(RedisServer redis)
            throws Exception {
        DistributedLock lock = clients.connectWithoutTimers(redis).lock("queued");
        lock.acquire(Duration.ZERO).close();
        redis.resetStats();

        for (int i = 0; i < 10; i++) {
            lock.acquire(Duration.ZERO).close();
        }

        assertThat(redis.commandCalls().getOrDefault("pttl", 0L)).as("remaining leases read for free locks").isZero();
        assertThat(redis.commandCalls().getOrDefault("publish", 0L)).as("messages published by the releases").isZero();
        assertThat(redis.commandCalls().get("time")).as("clock reads: the acquisitions' own, none by a release").isEqualTo(10);
    }

    @Test
    void aClientWithMoreThreadsWaitingQueuesBehindTheClientItsReleaseWakes(RedisServer redis) throws Exception {
        BusyClient busy = busyClientHoldingWhileAnotherWaits(redis);
        redis.resetStats();

        busy.firstLease().close();

        try (Lease otherLease = busy.otherWaits().get(5, TimeUnit.SECONDS)) {
            Poll.throughout(Duration.ofMillis(300), () -> {
                assertThat(busy.secondWaits()).as("the busy client's second thread, queued behind the other client").isNotDone();
                assertThat(redis.commandCalls().get("evalsha"))
                        .as("scripts run: the release and the other client's acquire, no try of the busy client").isEqualTo(2);
                assertThat(zcard(redis)).as("clients queued: the busy one").isEqualTo(1);
            });
        }
        // Named by the other client's release: well before the designation timeout (20 s).
        try (Lease secondLease = busy.secondWaits().get(10, TimeUnit.SECONDS)) {
            assertThat(zcard(redis)).as("waiters left in the queue").isZero();
        }
    }

    @Test
    void aClientWhoseWaitingThreadGaveUpDuringTheReleaseLeavesTheQueueItJoined(RedisServer redis) throws Exception {
        BusyClient busy = busyClientHoldingWhileAnotherWaits(redis);
        Thread releasing = new Thread(busy.firstLease()::close, "releasing");
        redis.pause();
        try {
            // The release asks to queue the busy client (its second thread still waits), then
            // that thread gives up before the reply.
            releasing.start();
            Poll.until("the release sent", Duration.ofSeconds(5), () -> releasing.getState() == Thread.State.TIMED_WAITING);
            busy.secondWaits().cancel(false);
        } finally {
            redis.resume();
        }
        releasing.join(TimeUnit.SECONDS.toMillis(10));

        try (Lease otherLease = busy.otherWaits().get(5, TimeUnit.SECONDS)) {
            Poll.until("the busy client left the queue its release joined", Duration.ofSeconds(2), () -> zcard(redis) == 0);
            Poll.until("the busy client unsubscribed", Duration.ofSeconds(2), () -> TestClients.channels(busy.client()) == 0);
        }
    }

    @Test
    void aWaiterNamedByAReleaseButGoneDelaysTheOthersOnlyByTheDesignationTimeout(RedisServer redis) throws Exception {
        // A designation timeout of a second: woken within four, with margin on a loaded machine.
        Duration commandTimeout = Duration.ofSeconds(1);
        DistributedLock holderLock = clients.connect(redis, b -> b.commandTimeout(commandTimeout)).lock("queued");
        LockEngine waiter = clients.connect(redis, b -> b.commandTimeout(commandTimeout));
        Lease held = holderLock.acquire(Duration.ZERO);
        // A client that queued and then died just now: first in the queue, and not yet past the
        // deadline by which it would have tried again.
        redis.call("ZADD", WAITERS, "0", "a-client-that-crashed");
        redis.call("ZADD", DEADLINES, Long.toString(serverMicros(redis) + 60_000_000L), "a-client-that-crashed");
        CompletableFuture<Lease> waits = startWaiting(waiter, redis);
        assertThat(zcard(redis)).as("clients queued").isEqualTo(2);

        long releasedAt = System.nanoTime();
        held.close();

        try (Lease lease = waits.get(5, TimeUnit.SECONDS)) {
            // It tries again after the designation timeout, or when its keep-alive falls due
            // (every command timeout), whichever comes first.
            assertThat(Duration.ofNanos(System.nanoTime() - releasedAt))
                    .as("the live waiter woke within the designation timeout, not at the end of the holder's lease (30 s)")
                    .isLessThan(commandTimeout.multipliedBy(4));
        }
    }

    @Test
    void waitingProcessesThatWereKilledAreSkippedOnceTheirDeadlinePasses(RedisServer redis) throws Exception {
        Lease held = clients.connectWithoutTimers(redis).lock("queued").acquire(Duration.ZERO);
        List<ChildJvm> waiters = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                // Each waits in the queue; its client tries again at least every 150 ms while alive.
                waiters.add(ChildJvm.start(LockHolderProcess.class, redis.uri(), "queued", "2000"));
            }
            Poll.until("the waiting processes queued", Duration.ofSeconds(60), () -> zcard(redis) == 3);
        } finally {
            for (ChildJvm waiter : waiters) {
                waiter.kill();
                waiter.close();
            }
        }
        // Queued behind the dead, and alive: only a release naming it wakes it within the test.
        LockEngine live = clients.connectWithoutTimers(redis);
        CompletableFuture<Lease> liveWaits = startWaiting(live, redis);
        Poll.until("the dead waiters' deadlines passed", Duration.ofSeconds(10),
                () -> (Long) redis.call("ZCOUNT", DEADLINES, "-inf", Long.toString(serverMicros(redis))) == 3);

        held.close();

        // Named by the release, well before the designation timeout (20 s) that each dead waiter
        // named in its place would have cost.
        try (Lease lease = liveWaits.get(10, TimeUnit.SECONDS)) {
            assertThat(zcard(redis)).as("dead waiters left in the queue").isZero();
            assertThat((Long) redis.call("ZCARD", DEADLINES)).as("deadlines left").isZero();
        }
    }

    @Test
    void aLongWaitKeepsItsPlaceAndAddsNothingToTheChannelPerTry(RedisServer redis) throws Exception {
        // A foreign holder without expiry: the waiter tries every 250 ms, and every try must cost
        // nothing that stays (the engine's own share is EngineTest's).
        redis.call("SET", "fencelock:{queued}", "foreign-holder-without-ttl");
        LockEngine waiter = clients.connect(redis);
        redis.resetStats();
        CompletableFuture<Lease> waiting = waiter.lock("queued").acquireAsync(Duration.ofMinutes(1));
        Poll.until("four tries", Duration.ofSeconds(10), () -> redis.commandCalls().getOrDefault("evalsha", 0L) >= 4);
        int channelDependents = TestClients.store(waiter).servers().releaseWaitDependents();
        Poll.until("sixteen tries", Duration.ofSeconds(20), () -> redis.commandCalls().getOrDefault("evalsha", 0L) >= 16);

        assertThat(TestClients.store(waiter).servers().releaseWaitDependents()).as("dependents of the channel's next release")
                .isEqualTo(channelDependents);
        assertThat(zcard(redis)).as("the waiter queued once").isEqualTo(1);
        waiting.cancel(false);
        redis.call("DEL", "fencelock:{queued}");
    }

    @Test
    void aWaiterThatGivesUpLeavesTheQueue(RedisServer redis) throws Exception {
        DistributedLock holderLock = clients.connect(redis).lock("queued");
        DistributedLock waiterLock = clients.connect(redis).lock("queued");
        try (Lease held = holderLock.acquire(Duration.ZERO)) {
            assertThatThrownBy(() -> waiterLock.acquire(Duration.ofMillis(200))).isInstanceOf(LockTimeoutException.class);
            Poll.until("the waiter that gave up left the queue", Duration.ofSeconds(5), () -> zcard(redis) == 0);

            assertThat(waiterLock.tryAcquire()).isEmpty();
            assertThat(zcard(redis)).as("a try that does not wait does not queue").isZero();
        }
    }

    /** A client holding the lock it waited for, with a second thread waiting, while another client waits too. */
    private record BusyClient(LockEngine client, Lease firstLease, CompletableFuture<Lease> secondWaits,
            CompletableFuture<Lease> otherWaits) {
    }

    private BusyClient busyClientHoldingWhileAnotherWaits(RedisServer redis) throws Exception {
        DistributedLock holderLock = clients.connectWithoutTimers(redis).lock("queued");
        LockEngine busy = clients.connectWithoutTimers(redis);
        LockEngine other = clients.connectWithoutTimers(redis);
        Lease held = holderLock.acquire(Duration.ZERO);
        CompletableFuture<Lease> busyFirst = startWaiting(busy, redis);
        // A second thread of the same client waits in the client's gate, without a command of its own.
        CompletableFuture<Lease> busySecond = busy.lock("queued").acquireAsync(Duration.ofSeconds(30));
        CompletableFuture<Lease> otherWaits = startWaiting(other, redis);
        held.close();
        return new BusyClient(busy, busyFirst.get(5, TimeUnit.SECONDS), busySecond, otherWaits);
    }

    /**
     * Starts an acquisition and returns once it waits: it tried, subscribed to the release channel
     * and tried again (two scripts), so that only a release or a timer can move it on.
     */
    private static CompletableFuture<Lease> startWaiting(LockEngine client, RedisServer redis) throws InterruptedException {
        redis.resetStats();
        CompletableFuture<Lease> waiting = client.lock("queued").acquireAsync(Duration.ofSeconds(30));
        Poll.until("the acquisition's two attempts", Duration.ofSeconds(5),
                () -> redis.commandCalls().getOrDefault("evalsha", 0L) == 2);
        return waiting;
    }

    private static long serverMicros(RedisServer redis) {
        List<?> time = (List<?>) redis.call("TIME");
        return Long.parseLong(String.valueOf(time.get(0))) * 1_000_000 + Long.parseLong(String.valueOf(time.get(1)));
    }

    private static long zcard(RedisServer redis) {
        return (Long) redis.call("ZCARD", WAITERS);
    }
}
