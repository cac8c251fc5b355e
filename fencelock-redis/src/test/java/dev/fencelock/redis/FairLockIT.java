package dev.fencelock.redis;

import static dev.fencelock.redis.TestClients.grantedToken;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.spi.LockKind;
import dev.fencelock.spi.Released;
import dev.fencelock.testkit.ChildJvm;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fair lock grants in the order acquisitions reached Redis, across clients and threads; a
 * release hands the lock to the head of the queue alone; a waiter that is gone is skipped after
 * its claim window, and never hangs the queue.
 */
@RedisTest
class FairLockIT {
    private static final String QUEUE = "fencelock:{fair}:fair-queue";
    private static final String DEADLINES = "fencelock:{fair}:fair-deadlines";
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    /**
     * The waiter's pub/sub connection drops, and the release is announced before it is back (new
     * connections are refused meanwhile: maxclients 1). With production's command timeout (2 s) a
     * fair waiter that hears nothing tries again only after 20 s; resubscribed, it is woken at once.
     */
    @Test
    void aReleaseAnnouncedWhileTheWaitersPubSubConnectionWasDownWakesItOnceSubscribedAgain(RedisServer redis)
            throws Exception {
        LockEngine waiting = clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(2)));
        Lease held = clients.connect(redis).fairLock("fair").acquire(Duration.ZERO);
        CompletableFuture<Lease> waits = waiting.fairLock("fair").acquireAsync(Duration.ofSeconds(60));
        Poll.until("the waiter subscribed", Duration.ofSeconds(5), () -> releaseSubscribers(redis) == 1);
        String maxClients = (String) ((List<?>) redis.call("CONFIG", "GET", "maxclients")).get(1);
        redis.call("CONFIG", "SET", "maxclients", "1");
        try {
            redis.call("CLIENT", "KILL", "TYPE", "pubsub");
            Poll.until("the waiter's subscription gone", Duration.ofSeconds(5), () -> releaseSubscribers(redis) == 0);
            held.close();
        } finally {
            redis.call("CONFIG", "SET", "maxclients", maxClients);
        }

        waits.get(5, TimeUnit.SECONDS).close();
    }

    private static long releaseSubscribers(RedisServer redis) {
        return (Long) ((List<?>) redis.call("PUBSUB", "NUMSUB", "fencelock:{fair}:released")).get(1);
    }

    @Test
    void grantsInArrivalOrderAcrossClientsAndThreads(RedisServer redis) throws Exception {
        List<LockEngine> waiters = List.of(clients.connectWithoutTimers(redis), clients.connectWithoutTimers(redis));
        Lease held = clients.connectWithoutTimers(redis).fairLock("fair").acquire(Duration.ZERO);
        int acquisitions = 16;
        List<Integer> granted = Collections.synchronizedList(new ArrayList<>());
        List<Long> tokens = Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(acquisitions);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < acquisitions; i++) {
                int arrival = i;
                DistributedLock lock = waiters.get(i % 2).fairLock("fair");
                done.add(threads.submit(() -> {
                    try (Lease lease = lock.acquire(Duration.ofSeconds(60))) {
                        granted.add(arrival);
                        tokens.add(lease.fencingToken());
                    }
                    return null;
                }));
                // The arrival order is the order in Redis: the next thread starts once this one is queued.
                Poll.until("acquisition " + i + " queued", Duration.ofSeconds(10), () -> zcard(redis) == arrival + 1);
            }
            redis.resetStats();

            held.close();

            for (Future<?> each : done) {
                each.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(granted).as("grant order").containsExactlyElementsOf(IntStream.range(0, acquisitions).boxed().toList());
        assertThat(tokens).as("tokens in grant order").isSorted().doesNotHaveDuplicates();
        // Each hand-off: the release and the named head's acquire; nobody else is woken. And the last release.
        assertThat(redis.commandCalls().get("evalsha")).as("scripts run for %d hand-offs", acquisitions)
                .isEqualTo(2L * acquisitions + 1);
    }

    @Test
    void tryLockDoesNotOvertakeAQueuedWaiterAndAGoneHeadIsSkippedAfterItsClaimWindow(RedisServer redis) {
        DistributedLock lock = connect(redis).fairLock("fair");
        queueGoneWaiter(redis, "gone-waiter");

        assertThat(lock.tryAcquire()).as("a try while a waiter is queued, the lock free").isEmpty();
        assertThat(lock.tryLock()).as("tryLock while a waiter is queued").isFalse();

        // The gone head is kept the lock for its claim window (the command timeout), then skipped.
        try (Lease lease = lock.acquire(Duration.ofSeconds(10))) {
            assertThat(lease.isValid()).isTrue();
            assertThat(redis.call("ZSCORE", QUEUE, "gone-waiter")).as("the gone waiter, dropped").isNull();
        }
    }

    @Test
    void aReleaseNamingAGoneHeadWakesTheWaiterBehindIt(RedisServer redis) throws Exception {
        Lease held = connect(redis).fairLock("fair").acquire(Duration.ZERO);
        queueGoneWaiter(redis, "gone-waiter");
        CompletableFuture<Lease> behind = connect(redis).fairLock("fair").acquireAsync(Duration.ofSeconds(30));
        Poll.until("the live waiter queued behind the gone one", Duration.ofSeconds(5), () -> zcard(redis) == 2);

        held.close();

        try (Lease lease = behind.get(10, TimeUnit.SECONDS)) {
            assertThat(lease.isValid()).isTrue();
        }
    }

    @Test
    void waitersKilledAtRandomUnderLoadNeverHangTheQueue(RedisServer redis) throws Exception {
        Random random = new Random(20261203);
        int threads = 6;
        int rounds = 15;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(threads);
        List<ChildJvm> children = new ArrayList<>();
        try {
            List<LockEngine> workerClients = List.of(connect(redis), connect(redis));
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                DistributedLock lock = workerClients.get(t % 2).fairLock("fair");
                done.add(workers.submit(() -> {
                    for (int round = 0; round < rounds; round++) {
                        try (Lease lease = lock.acquire(Duration.ofSeconds(60))) {
                            if (inside.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            Thread.yield(); // a window for another holder to show itself in
                            inside.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            // Waiters in other processes join the queue among the workers and are killed at random:
            // queued, named head, or holding.
            for (int i = 0; i < 4; i++) {
                ChildJvm child = ChildJvm.start(LockHolderProcess.class, redis.uri(), "fair", "1000", "fair");
                children.add(child);
                child.awaitLine("WAITING", Duration.ofSeconds(20));
                TimeUnit.MILLISECONDS.sleep(random.nextInt(600)); // when to kill: a random fault, not a synchronization
                child.kill();
            }
            for (Future<?> each : done) {
                each.get(90, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
            for (ChildJvm child : children) {
                child.close();
            }
        }
        assertThat(overlaps).as("holders at once beyond one").hasValue(0);
        // What the killed waiters left behind is dropped by the next acquisitions and releases.
        redis.call("DEL", QUEUE, DEADLINES, "fencelock:{fair}");
    }

    @Test
    void anAcquireSentAgainFindsItsOwnGrantAndIsGrantedAgainRatherThanQueuedBehindItself(RedisServer redis) {
        RedisStore store = TestClients.store(connect(redis));
        Duration lease = Duration.ofSeconds(60);
        long first = grantedToken(store.acquire(LockKind.FAIR, "fair", "fl-resent", lease, true, null).join(), "the acquire");
        // A while passes before Lettuce re-sends the acquire, whose reply a disconnect cut off.
        redis.call("PEXPIRE", "fencelock:{fair}", "5000");

        Attempt again = store.acquire(LockKind.FAIR, "fair", "fl-resent", lease, true, null).join();

        assertThat(grantedToken(again, "the same acquire again, finding the key its first run took")).isGreaterThan(first);
        assertThat(zcard(redis)).as("acquisitions queued").isZero();
        assertThat((Long) redis.call("PTTL", "fencelock:{fair}")).as("the key's expiry, moved to a whole lease")
                .isGreaterThan(5000L);
        assertThat(store.acquire(LockKind.FAIR, "fair", "fl-other", lease, false, null).join())
                .as("another acquisition").isInstanceOf(Attempt.Refused.class);
        assertThat(store.release(LockKind.FAIR, "fair", "fl-resent", false).join().found()).isEqualTo(Released.Finding.OURS);
    }

    /** Queues a waiter that will never try again, as a crashed process leaves one. */
    private static void queueGoneWaiter(RedisServer redis, String owner) {
        redis.call("ZADD", QUEUE, "0", owner);
        redis.call("ZADD", DEADLINES, "99999999999999999", owner);
    }

    private static long zcard(RedisServer redis) {
        return (Long) redis.call("ZCARD", QUEUE);
    }

    @Test
    void theLockViewOfAFairLockTakesTheLeaseItWasGiven(RedisServer redis) {
        DistributedLock fixed = connect(redis).fairLock("fixed-fair", LeaseOptions.fixed(Duration.ofSeconds(7)));
        fixed.lock();
        try {
            assertThat((Long) redis.call("PTTL", "fencelock:{fixed-fair}")).as("the key's time to live, in ms")
                    .isBetween(1L, 7000L);
        } finally {
            fixed.unlock();
        }
    }

    /** A client whose commands may take a second: these tests make many processes and threads busy. */
    private LockEngine connect(RedisServer redis) {
        return clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(1)));
    }
}
