package dev.fencelock.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.ScheduledExecutorService;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.support.KeepAliveLockProvider;
import net.javacrumbs.shedlock.support.LockException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ShedLock's provider contract, as its own provider integration tests state it
 * ({@code AbstractLockProviderIntegrationTest}, {@code AbstractExtensibleLockProviderIntegrationTest}),
 * against a real redis-server: waits are polls with deadlines, and what the tests sleep for is read
 * from the key's time to live instead.
 */
@RedisTest
class FencelockLockProviderIT {
    private static final Duration LONG = Duration.ofMinutes(5);
    /**
     * A lockAtMostFor that runs out well within the tests' polls, and yet is long enough to be
     * granted on a busy machine: a lock shorter than its round trip to Redis is skipped as if held.
     */
    private static final Duration SHORT = Duration.ofMillis(500);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);

    private final List<LockClient> clients = new ArrayList<>();
    /** Every lock the tests took through {@link #lock} and {@link #extend}: unlocked after each test, so that a failed one leaves no token behind. */
    private final List<SimpleLock> taken = new ArrayList<>();
    private RedisServer redis;
    private FencelockLockProvider provider;

    @BeforeEach
    void connect(RedisServer redis) {
        this.redis = redis;
        this.provider = new FencelockLockProvider(connect());
    }

    private LockClient connect() {
        return connect(COMMAND_TIMEOUT);
    }

    private LockClient connect(Duration commandTimeout) {
        LockClient client = RedisLocks.connect(RedisLockOptions.builder(redis.uri()).commandTimeout(commandTimeout).build());
        clients.add(client);
        return client;
    }

    /** {@code provider.lock(configuration)}, remembered for the clean-up after the test. */
    private Optional<SimpleLock> lock(FencelockLockProvider provider, LockConfiguration configuration) {
        return remembered(provider.lock(configuration));
    }

    /** {@code lock.extend(...)}, remembered too: the lock it extends is spent, and unlocks nothing. */
    private Optional<SimpleLock> extend(SimpleLock lock, Duration lockAtMostFor, Duration lockAtLeastFor) {
        return remembered(lock.extend(lockAtMostFor, lockAtLeastFor));
    }

    private Optional<SimpleLock> remembered(Optional<SimpleLock> lock) {
        lock.ifPresent(taken::add);
        return lock;
    }

    /** Nothing left behind in the clients: no lease watched, no lock name in use. */
    @AfterEach
    void nothingLeakedThenClose() throws InterruptedException {
        try {
            for (LockClient client : clients) {
                LockEngine engine = (LockEngine) client;
                Poll.until("settling of " + engine, Duration.ofSeconds(5),
                        () -> engine.leasesWatched() == 0 && engine.namesInUse() == 0);
            }
            assertThat(FencelockLockProvider.currentLease()).as("the test thread's token stack").isEmpty();
        } finally {
            try {
                // A test that failed holding a lock: its entry would stay on this thread's token stack,
                // which every later test of the class shares, and fail them all.
                for (SimpleLock lock : taken) {
                    try {
                        lock.unlock();
                    } catch (IllegalStateException alreadyUnlockedOrExtended) {
                        // As the test left it.
                    }
                }
            } finally {
                clients.forEach(LockClient::close);
            }
        }
    }

    @Test
    void aLockHoldsTheKeyUntilItIsUnlocked() {
        SimpleLock lock = lock(provider, config("job", LONG, Duration.ZERO)).orElseThrow();
        assertLocked("job");

        lock.unlock();

        assertUnlocked("job");
    }

    @Test
    void aHeldLockIsNotGrantedAgainHereOrInAnotherClient() {
        SimpleLock lock = lock(provider, config("job", LONG, Duration.ZERO)).orElseThrow();

        assertThat(lock(provider, config("job", LONG, Duration.ZERO))).as("the same provider").isEmpty();
        assertThat(lock(new FencelockLockProvider(connect()), config("job", LONG, Duration.ZERO)))
                .as("another client, as another instance would").isEmpty();
        lock.unlock();
    }

    @Test
    void locksOfTwoNamesAreIndependent() {
        SimpleLock first = lock(provider, config("first", LONG, Duration.ZERO)).orElseThrow();
        SimpleLock second = lock(provider, config("second", LONG, Duration.ZERO)).orElseThrow();
        first.unlock();
        assertLocked("second");
        second.unlock();
    }

    @Test
    void aLockCanBeTakenRightAfterItsUnlockTenTimesInARow() {
        for (int i = 0; i < 10; i++) {
            SimpleLock lock = lock(provider, config("job", LONG, Duration.ZERO)).orElseThrow();
            assertThat(lock(provider, config("job", LONG, Duration.ZERO))).as("round %d", i).isEmpty();
            lock.unlock();
        }
    }

    @Test
    void aLockEndsAfterLockAtMostForAndIsFreeForTheNextHolder() throws Exception {
        SimpleLock lock = lock(provider, config("job", SHORT, Duration.ZERO)).orElseThrow();
        assertThat(pttl("job")).as("the key's time to live, in ms").isBetween(0L, SHORT.toMillis());

        Poll.until("the lock expired", Duration.ofSeconds(5), () -> !isLocked("job"));

        lock(provider, config("job", SHORT, Duration.ZERO)).orElseThrow().unlock();
        lock.unlock(); // expired long ago: a quiet no-op
        assertUnlocked("job");
    }

    @Test
    void durationsBelowTheCoresMinimumLeaseAreAcceptedAndEndOnTime() throws Exception {
        // ShedLock's own tests use 2 ms; zero is a legal lockAtMostFor too.
        for (Duration atMost : List.of(Duration.ZERO, Duration.ofNanos(500_000), Duration.ofMillis(2))) {
            Optional<SimpleLock> lock = lock(provider, config("short", atMost, Duration.ZERO));
            // Granted unless the round trip took longer than the lease: then skipped, as if held.
            Poll.until("the " + atMost + " lock expired", Duration.ofSeconds(5), () -> !isLocked("short"));
            lock.ifPresent(SimpleLock::unlock);
        }
        SimpleLock atLeast = lock(provider, config("short", Duration.ofSeconds(1), Duration.ofMillis(5))).orElseThrow();
        atLeast.unlock();
        Poll.until("the lock kept for 5 ms expired", Duration.ofSeconds(5), () -> !isLocked("short"));
    }

    @Test
    void aLockAtMostForBeyondTheLongestLeaseIsRefusedBeforeTheStoreNamingTheLockAndTheRange() {
        // A day and a day more: before, every run threw the core's "lease must be between ..." and never ran.
        assertThatThrownBy(() -> lock(provider, config("report", Duration.ofDays(2), Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("lockAtMostFor of ShedLock lock 'report' must be between PT0S and PT24H, was PT48H");
        assertThat(redis.dbSize()).as("keys written for the refused lock").isZero();

        lock(provider, config("report", LeaseOptions.MAX_LEASE, Duration.ZERO)).orElseThrow().unlock();
    }

    @Test
    void anExtensionBeyondTheLongestLeaseIsRefusedTheSameWayAndLeavesTheLockAsItWas() {
        SimpleLock lock = lock(provider, config("report", Duration.ofMinutes(1), Duration.ZERO)).orElseThrow();
        OptionalLong token = FencelockLockProvider.currentToken();
        try {
            assertThatThrownBy(() -> lock.extend(Duration.ofDays(2), Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("lockAtMostFor of ShedLock lock 'report' must be between PT0S and PT24H, was PT48H");

            assertThat(pttl("report")).as("the key's time to live, in ms, as locked").isBetween(0L, Duration.ofMinutes(1).toMillis());
            assertThat(FencelockLockProvider.currentToken()).as("the lock, still the task's").isEqualTo(token);
        } finally {
            lock.unlock();
        }
        assertUnlocked("report");
    }

    @Test
    void anEarlyUnlockKeepsTheLockTakenUntilLockAtLeastFor() throws Exception {
        // Long enough that the unlock and both checks after it fit in it on a busy machine.
        Duration lockAtLeastFor = Duration.ofSeconds(3);
        SimpleLock lock = lock(provider, config("job", Duration.ofSeconds(10), lockAtLeastFor)).orElseThrow();

        lock.unlock();

        assertThat(pttl("job")).as("kept for what is left of lockAtLeastFor, in ms").isBetween(0L, lockAtLeastFor.toMillis());
        assertThat(lock(provider, config("job", LONG, Duration.ZERO))).as("still taken").isEmpty();
        Poll.until("lockAtLeastFor passed", Duration.ofSeconds(10), () -> !isLocked("job"));
        lock(provider, config("job", LONG, Duration.ZERO)).orElseThrow().unlock();
    }

    @Test
    void anExtendedLockOutlivesItsFirstLockAtMostForWithTheSameToken() {
        SimpleLock lock = lock(provider, config("job", Duration.ofSeconds(2), Duration.ZERO)).orElseThrow();
        OptionalLong token = FencelockLockProvider.currentToken();

        SimpleLock extended = extend(extend(lock, Duration.ofSeconds(10), Duration.ZERO).orElseThrow(),
                Duration.ofSeconds(20), Duration.ZERO).orElseThrow();

        assertThat(pttl("job")).as("the key's time to live, in ms").isGreaterThan(Duration.ofSeconds(19).toMillis());
        assertThat(FencelockLockProvider.currentToken()).as("an extension keeps the lease").isEqualTo(token);
        assertThatThrownBy(lock::unlock).as("ShedLock: a lock is spent once extended").isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> lock.extend(Duration.ofSeconds(10), Duration.ZERO)).isInstanceOf(IllegalStateException.class);
        extended.unlock();
        assertUnlocked("job");
    }

    /**
     * KeepAliveLockProvider's scheduler stops extending at the first exception: an extension that
     * Redis answers only after one command timeout must be sent again, not thrown. Redis resumes
     * halfway through the second try, with the third as room for a late resume.
     */
    @Test
    void anExtensionThatRedisAnswersLateIsSentAgainAndExtends() throws Exception {
        Duration commandTimeout = Duration.ofSeconds(1);
        Duration lockAtMostFor = Duration.ofSeconds(5);
        FencelockLockProvider patient = new FencelockLockProvider(connect(commandTimeout));
        SimpleLock lock = lock(patient, config("job", lockAtMostFor, Duration.ZERO)).orElseThrow();
        ScheduledExecutorService faults = Executors.newSingleThreadScheduledExecutor();
        redis.pause();
        try {
            faults.schedule(redis::resume, commandTimeout.toMillis() * 3 / 2, TimeUnit.MILLISECONDS);

            SimpleLock extended = extend(lock, Duration.ofSeconds(20), Duration.ZERO).orElseThrow();

            assertThat(pttl("job")).as("the key's time to live, in ms").isGreaterThan(lockAtMostFor.toMillis());
            assertThat(FencelockLockProvider.currentLease().orElseThrow().remaining())
                    .as("the lease, valid past its first lockAtMostFor").isGreaterThan(lockAtMostFor);
            extended.unlock();
        } finally {
            faults.shutdownNow();
            redis.resume();
        }
        assertUnlocked("job");
    }

    @Test
    void anExtensionThatRedisNeverAnswersIsShedLocksLockExceptionAfterThreeTriesNotAtTheLeasesEnd() {
        SimpleLock lock = lock(provider, config("job", Duration.ofMinutes(1), Duration.ZERO)).orElseThrow();
        redis.pause();
        try {
            // Three tries of a command timeout each; an unlock waits for them under ShedLock's keep-alive.
            assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThatThrownBy(() -> lock.extend(Duration.ofMinutes(2), Duration.ZERO))
                            .isInstanceOf(LockException.class).hasMessageStartingWith("could not extend 'job': "));
        } finally {
            redis.resume();
        }
        lock.unlock();
        assertUnlocked("job");
    }

    @Test
    void anExtensionCarriesItsOwnLockAtLeastFor() {
        SimpleLock lock = lock(provider, config("job", Duration.ofSeconds(10), Duration.ZERO)).orElseThrow();

        extend(lock, Duration.ofSeconds(10), Duration.ofSeconds(9)).orElseThrow().unlock();

        assertThat(pttl("job")).as("kept for the extension's lockAtLeastFor").isBetween(Duration.ofSeconds(8).toMillis(), 9000L);
    }

    @Test
    void anUnlockedLockCannotBeExtendedAndAnExpiredOneQuietlyIsNot() throws Exception {
        SimpleLock unlocked = lock(provider, config("job", LONG, Duration.ZERO)).orElseThrow();
        unlocked.unlock();
        assertThatThrownBy(() -> unlocked.extend(Duration.ofSeconds(10), Duration.ZERO)).isInstanceOf(IllegalStateException.class);

        SimpleLock expired = lock(provider, config("job", SHORT, Duration.ZERO)).orElseThrow();
        Poll.until("the lock expired", Duration.ofSeconds(5), () -> !isLocked("job"));

        assertThat(expired.extend(Duration.ofSeconds(10), Duration.ZERO)).isEmpty();
        assertUnlocked("job");
        assertThat(FencelockLockProvider.currentToken()).as("a spent lock answers no more").isEmpty();
    }

    @Test
    void anUnlockNeverDeletesOrShortensAnotherHoldersKey() throws Exception {
        SimpleLock expired = lock(provider, config("expired", SHORT, Duration.ZERO)).orElseThrow();
        SimpleLock kept = lock(provider, config("kept", LONG, Duration.ofMinutes(4))).orElseThrow();
        Poll.until("the first lock expired", Duration.ofSeconds(5), () -> !isLocked("expired"));
        // The second lost its key (a failover, say) while it still believed in its lease.
        redis.call("DEL", "fencelock:{kept}");
        FencelockLockProvider other = new FencelockLockProvider(connect());
        SimpleLock otherExpired = lock(other, config("expired", LONG, Duration.ZERO)).orElseThrow();
        SimpleLock otherKept = lock(other, config("kept", LONG, Duration.ZERO)).orElseThrow();

        expired.unlock();
        kept.unlock();

        assertThat(pttl("expired")).as("the new holder's key, in ms").isGreaterThan(Duration.ofMinutes(4).plusSeconds(30).toMillis());
        assertThat(pttl("kept")).as("the new holder's key, in ms").isGreaterThan(Duration.ofMinutes(4).plusSeconds(30).toMillis());
        otherExpired.unlock();
        otherKept.unlock();
    }

    @Test
    void theTokenIsReadableInsideTheLockedTaskAndEmptyOutside() throws Exception {
        LockingTaskExecutor tasks = new DefaultLockingTaskExecutor(provider);
        assertThat(FencelockLockProvider.currentToken()).as("before").isEmpty();

        long[] seen = new long[3];
        tasks.executeWithLock((Runnable) () -> {
            seen[0] = FencelockLockProvider.currentToken().orElseThrow();
            tasks.executeWithLock((Runnable) () -> seen[1] = FencelockLockProvider.currentToken().orElseThrow(),
                    config("inner", LONG, Duration.ZERO));
            seen[2] = FencelockLockProvider.currentToken().orElseThrow();
        }, config("outer", LONG, Duration.ZERO));

        assertThat(seen[0]).as("the outer job's token, as minted in Redis").isEqualTo(fence("outer"));
        assertThat(seen[1]).as("the inner job's token").isEqualTo(fence("inner"));
        assertThat(seen[2]).as("the outer job's token again after the inner job").isEqualTo(seen[0]);
        assertThat(FencelockLockProvider.currentToken()).as("after").isEmpty();
        assertThat(FencelockLockProvider.currentLease()).isEmpty();
    }

    @Test
    void aLockUnlockedOnAnotherThreadNoLongerAnswersOnTheThreadThatTookIt() throws Exception {
        SimpleLock lock = lock(provider, config("job", LONG, Duration.ZERO)).orElseThrow();
        assertThat(FencelockLockProvider.currentLease()).isPresent();

        CompletableFuture.runAsync(lock::unlock).get();

        assertThat(FencelockLockProvider.currentToken()).isEmpty();
        assertUnlocked("job");
    }

    @Test
    void aPooledThreadKeepsNothingOfALeaseItUnlocked() throws Exception {
        // A container's pool thread: it ran one task and stays alive, idle, asking for no token again.
        ExecutorService pooled = Executors.newSingleThreadExecutor();
        try {
            WeakReference<Lease> seen = pooled.submit(() -> {
                List<WeakReference<Lease>> inside = new ArrayList<>();
                new DefaultLockingTaskExecutor(provider).executeWithLock((Runnable) () ->
                        inside.add(new WeakReference<>(FencelockLockProvider.currentLease().orElseThrow())),
                        config("job", LONG, Duration.ZERO));
                return inside.get(0);
            }).get(10, TimeUnit.SECONDS);

            // Collected only once nothing refers to it, the pool thread's locals included.
            Poll.until("the unlocked lease collected", Duration.ofSeconds(10), () -> {
                System.gc();
                return seen.get() == null;
            });
        } finally {
            pooled.shutdownNow();
        }
    }

    @Test
    void keepAliveLockProviderWrapsItAndTheTokenStaysReadable() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            KeepAliveLockProvider keepAlive = new KeepAliveLockProvider(provider, scheduler);
            long[] token = new long[1];

            new DefaultLockingTaskExecutor(keepAlive).executeWithLock((Runnable) () -> {
                token[0] = FencelockLockProvider.currentToken().orElseThrow();
                assertLocked("long-job");
            }, config("long-job", Duration.ofSeconds(30), Duration.ZERO));

            assertThat(token[0]).isEqualTo(fence("long-job"));
            assertUnlocked("long-job");
        } finally {
            scheduler.shutdownNow();
        }
    }

    /**
     * ShedLock's FuzzTester, on two clients as two instances would be: each of 8 threads runs its
     * job 50 times through ShedLock's executor, with a deliberately non-atomic increment inside, and
     * the jobs' lockAtLeastFor of 5 ms. A second holder would lose an update, overlap, or write with
     * an older token.
     */
    @Test
    void noJobRunsTwiceAtOnceUnderEightThreadsOfTwoClients() throws Exception {
        int threads = 8;
        int runsPerThread = 50;
        List<LockingTaskExecutor> executors = List.of(new DefaultLockingTaskExecutor(provider),
                new DefaultLockingTaskExecutor(new FencelockLockProvider(connect())));
        List<FuzzJob> jobs = List.of(new FuzzJob("fuzz-1"), new FuzzJob("fuzz-2"));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                LockingTaskExecutor executor = executors.get(i % 2);
                FuzzJob job = jobs.get(i / 2 % 2);
                workers.add(pool.submit(() -> job.runUntilExecuted(executor, runsPerThread)));
            }
            for (Future<?> worker : workers) {
                worker.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        for (FuzzJob job : jobs) {
            assertThat(job.overlaps.get()).as("runs of %s that overlapped", job.name).isZero();
            assertThat(job.staleTokens.get()).as("runs of %s whose token was not the newest", job.name).isZero();
            assertThat(job.counter).as("the non-atomic counter of %s", job.name).isEqualTo(threads / 2 * runsPerThread);
        }
    }

    /** A job whose runs must not overlap, and whose tokens must grow run by run. */
    private static final class FuzzJob {
        private final String name;
        private final AtomicInteger inside = new AtomicInteger();
        private final AtomicInteger overlaps = new AtomicInteger();
        private final AtomicInteger staleTokens = new AtomicInteger();
        private volatile long lastToken;
        private volatile int counter;

        FuzzJob(String name) {
            this.name = name;
        }

        void runUntilExecuted(LockingTaskExecutor executor, int times) {
            int[] executed = {0};
            while (executed[0] < times) {
                executor.executeWithLock((Runnable) () -> {
                    run();
                    executed[0]++;
                }, config(name, LONG, Duration.ofMillis(5)));
            }
        }

        private void run() {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            long token = FencelockLockProvider.currentToken().orElseThrow();
            if (token <= lastToken) {
                staleTokens.incrementAndGet();
            }
            lastToken = token;
            int read = counter;
            // Widens the window in which a second holder would overwrite this run's update.
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
            counter = read + 1;
            inside.decrementAndGet();
        }
    }

    @Test
    void anUnreachableStoreIsShedLocksLockExceptionNamingTheLock() {
        redis.kill();

        assertThatThrownBy(() -> lock(provider, config("job", LONG, Duration.ZERO)))
                .isInstanceOf(LockException.class).hasMessageStartingWith("could not lock 'job': ");
    }

    @Test
    void aClosedClientIsShedLocksLockExceptionNamingTheLock() {
        // An application shutting down: the LockClient bean is closed while the scheduler still fires.
        clients.get(0).close();

        assertThatThrownBy(() -> lock(provider, config("job", LONG, Duration.ZERO)))
                .isInstanceOf(LockException.class).hasMessageStartingWith("could not lock 'job': ");
    }

    @Test
    void anInterruptedThreadGetsShedLocksLockExceptionAndStaysInterrupted() {
        // A scheduler's shutdownNow interrupts the thread about to lock.
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> lock(provider, config("job", LONG, Duration.ZERO)))
                    .isInstanceOf(LockException.class).hasMessageStartingWith("could not lock 'job': ");
            assertThat(Thread.currentThread().isInterrupted()).as("the thread's interrupt status").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertUnlocked("job");
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> new FencelockLockProvider(null)).isInstanceOf(NullPointerException.class).hasMessage("client");
        assertThatThrownBy(() -> provider.lock(null)).isInstanceOf(NullPointerException.class).hasMessage("configuration");
        assertThatThrownBy(() -> lock(provider, config("a{b}", LONG, Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    }

    static LockConfiguration config(String name, Duration lockAtMostFor, Duration lockAtLeastFor) {
        return new LockConfiguration(ClockProvider.now(), name, lockAtMostFor, lockAtLeastFor);
    }

    private void assertLocked(String name) {
        assertThat(isLocked(name)).as("lock '%s' is held in Redis", name).isTrue();
    }

    private void assertUnlocked(String name) {
        assertThat(isLocked(name)).as("lock '%s' is free in Redis", name).isFalse();
    }

    private boolean isLocked(String name) {
        return (Long) redis.call("EXISTS", "fencelock:{" + name + "}") == 1;
    }

    private long pttl(String name) {
        return (Long) redis.call("PTTL", "fencelock:{" + name + "}");
    }

    private long fence(String name) {
        return Long.parseLong(String.valueOf(redis.call("GET", "fencelock:{" + name + "}:fence")));
    }
}
