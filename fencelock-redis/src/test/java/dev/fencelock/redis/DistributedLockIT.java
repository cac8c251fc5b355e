package dev.fencelock.redis;

import static dev.fencelock.redis.TestClients.grantedToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.LockKind;
import dev.fencelock.spi.Released;
import dev.fencelock.testkit.ChildJvm;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The lock on one real redis-server: exclusion, reentrancy, ownership, waiting, tokens. */
@RedisTest
class DistributedLockIT {
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void processesIncrementingUnderTheLockLoseNoUpdate(RedisServer redis) throws Exception {
        int workers = 3;
        int increments = 60;
        assertThat(runCounterWorkers(redis, workers, increments, "locked", "locked-counter"))
                .as("the counter after %d processes did %d increments each under the lock", workers, increments)
                .isEqualTo(workers * increments);
        // The same workers without the lock do lose updates: the test above can fail.
        assertThat(runCounterWorkers(redis, workers, increments, "unlocked", "unlocked-counter"))
                .as("the counter without the lock")
                .isLessThan(workers * increments);
    }

    private static long runCounterWorkers(RedisServer redis, int workers, int increments, String mode, String key)
            throws Exception {
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int i = 0; i < workers; i++) {
                children.add(ChildJvm.start(CounterWorkerProcess.class,
                        redis.uri(), "counter", key, Integer.toString(increments), mode));
            }
            // All connected before any starts: otherwise the unlocked workers of a slow machine may
            // run one after another and lose nothing.
            for (ChildJvm child : children) {
                child.awaitLine("READY", Duration.ofSeconds(60));
            }
            for (ChildJvm child : children) {
                child.send("GO");
            }
            for (ChildJvm child : children) {
                child.awaitLine("DONE", Duration.ofSeconds(90));
                assertThat(child.awaitExit(Duration.ofSeconds(10))).isZero();
            }
        } finally {
            for (ChildJvm child : children) {
                child.close();
            }
        }
        return Long.parseLong((String) redis.call("GET", key));
    }

    @Test
    void theLockViewReentersForTheHoldingThreadWithoutTouchingRedis(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("reentrant");
        lock.acquire(Duration.ZERO).close(); // loads the scripts
        redis.resetStats();

        lock.lock();
        assertThat(lock.tryLock()).isTrue();
        lock.lockInterruptibly();
        assertThat(lock.tryLock(1, TimeUnit.SECONDS)).isTrue();

        assertThat(lock.holdCount()).isEqualTo(4);
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        assertThat(scriptCalls(redis)).as("only the first acquisition runs a script").isEqualTo(1);

        lock.unlock();
        lock.unlock();
        lock.unlock();
        assertThat(lock.holdCount()).isEqualTo(1);
        assertThat(redis.call("EXISTS", "fencelock:{reentrant}")).as("still held after inner releases").isEqualTo(1L);
        assertThat(scriptCalls(redis)).isEqualTo(1);

        lock.unlock();
        assertThat(scriptCalls(redis)).as("the last release runs a script").isEqualTo(2);
        assertThat(redis.call("EXISTS", "fencelock:{reentrant}")).as("the last release deletes the key").isEqualTo(0L);
        assertThat(lock.holdCount()).isZero();
        assertThat(lock.isHeldByCurrentThread()).isFalse();
    }

    @Test
    void unlockFromAThreadThatDoesNotHoldItIsRefusedAndReleasesNothing(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("owned");
        lock.lock();
        try {
            CompletableFuture<Throwable> stranger = new CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    lock.unlock();
                    stranger.complete(null);
                } catch (Throwable e) {
                    stranger.complete(e);
                }
            });
            thread.start();
            assertThat(stranger.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessage("the current thread does not hold lock 'owned'");
            assertThat(lock.isLocked()).isTrue();
        } finally {
            lock.unlock();
        }
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void aForeignOwnerTokenIsNeverDeleted(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("foreign");
        Lease lease = lock.acquire(Duration.ZERO);
        // Someone else's lock replaces ours (e.g. after our lease expired).
        redis.call("SET", "fencelock:{foreign}", "someone-else");

        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
        assertThat(redis.call("GET", "fencelock:{foreign}")).isEqualTo("someone-else");
        assertThat(lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .as("the loss found at release is signalled")
                .extracting(LockLostException::reason).isEqualTo(LockLostException.Reason.OWNER_CHANGED);
        redis.call("DEL", "fencelock:{foreign}");
    }

    @Test
    void theLockKeyIsAPlainOwnerTokenThatADistlockClientRespects(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("interop");
        try (Lease lease = lock.acquire(Duration.ZERO)) {
            assertThat((String) redis.call("GET", "fencelock:{interop}")).matches("fl-[0-9a-f]{32}");
            assertThat(redis.call("SET", "fencelock:{interop}", "python", "NX", "PX", "1000"))
                    .as("a plain SET NX PX client is excluded").isNull();
        }
        assertThat(redis.call("SET", "fencelock:{interop}", "python", "NX", "PX", "300")).isEqualTo("OK");
        assertThat(lock.tryAcquire()).as("we are excluded by a plain client").isEmpty();
        // The plain client publishes nothing: the waiter polls it and finds the key expired.
        try (Lease lease = lock.acquire(Duration.ofSeconds(10))) {
            assertThat(lease.isValid()).isTrue();
        }
    }

    @Test
    void threadsOfOneClientWaitingForOneNameShareOneRemoteWaiter(RedisServer redis) throws Exception {
        DistributedLock holder = clients.connectWithoutTimers(redis).lock("herd");
        DistributedLock waiters = clients.connectWithoutTimers(redis).lock("herd");
        int threads = 20;
        Lease held = holder.acquire(Duration.ZERO);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch started = new CountDownLatch(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            done.add(pool.submit(() -> {
                started.countDown();
                waiters.lock();
                waiters.unlock();
                return null;
            }));
        }
        started.await(10, TimeUnit.SECONDS);
        awaitSubscribers(redis, "fencelock:{herd}:released", 1);
        redis.resetStats();

        held.close();
        for (Future<?> future : done) {
            future.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        // Each waiter acquires once and releases once; a thundering herd would try many times more.
        assertThat(scriptCalls(redis)).as("scripts run for %d hand-offs", threads)
                .isBetween((long) threads * 2, (long) threads * 2 + 4);
    }

    @Test
    void fencingTokensStrictlyIncreaseOver10000Acquisitions(RedisServer redis) {
        DistributedLock lock = clients.connect(redis).lock("tokens");
        long previous = 0;
        for (int i = 0; i < 10_000; i++) {
            try (Lease lease = lock.tryAcquire().orElseThrow()) {
                assertThat(lease.fencingToken()).as("token of acquisition %d", i).isGreaterThan(previous);
                previous = lease.fencingToken();
            }
        }
    }

    @Test
    void fencingTokensKeepIncreasingAcrossARestartWithoutPersistence(RedisServer redis) {
        // A lone server's call waits for the reconnect within its command timeout, and the client
        // reconnects up to a second after the restart: the acquisition must not fail on that.
        LockClient client = clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(3)));
        long before;
        try (Lease lease = client.lock("restart").acquire(Duration.ZERO)) {
            before = lease.fencingToken();
        }
        redis.restart();
        assertThat(redis.call("EXISTS", "fencelock:{restart}:fence")).as("the counter is gone").isEqualTo(0L);

        try (Lease lease = client.lock("restart").acquire(Duration.ofSeconds(5))) {
            assertThat(lease.fencingToken()).isGreaterThan(before);
        }
    }

    @Test
    void theFenceCounterExpires(RedisServer redis) {
        try (Lease lease = clients.connect(redis).lock("ttl").acquire(Duration.ZERO)) {
            assertThat((Long) redis.call("PTTL", "fencelock:{ttl}:fence"))
                    .isBetween(Duration.ofHours(24).toMillis(), Duration.ofHours(25).toMillis());
            assertThat((Long) redis.call("PTTL", "fencelock:{ttl}")).isBetween(1L, 30_000L);
        }
    }

    @Test
    void scriptsAreReloadedAfterAFlush(RedisServer redis) {
        DistributedLock lock = clients.connect(redis).lock("flush");
        lock.acquire(Duration.ZERO).close();
        redis.flushScripts();
        redis.resetStats();

        try (Lease lease = lock.acquire(Duration.ZERO)) {
            assertThat(lease.isValid()).isTrue();
        }
        assertThat(redis.commandCalls()).as("NOSCRIPT answered with EVAL").containsKey("eval");
    }

    @Test
    void tryLockWithATimeoutGivesUpAndAcquireThrows(RedisServer redis) throws Exception {
        DistributedLock holder = clients.connect(redis).lock("busy");
        DistributedLock other = clients.connect(redis).lock("busy");
        try (Lease held = holder.acquire(Duration.ZERO)) {
            assertThat(other.tryLock(100, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(other.tryLock()).isFalse();
            assertThat(other.tryAcquire()).isEqualTo(Optional.empty());
            assertThatThrownBy(() -> other.acquire(Duration.ofMillis(100)))
                    .isInstanceOf(LockTimeoutException.class)
                    .hasMessage("lock 'busy' is held by another owner; gave up after waiting PT0.1S");
            assertThat(other.isLocked()).isTrue();
        }
    }

    @Test
    void aCancelledAcquisitionLeavesNothingBehind(RedisServer redis) throws Exception {
        DistributedLock holder = clients.connect(redis).lock("cancel");
        DistributedLock other = clients.connect(redis).lock("cancel");
        try (Lease held = holder.acquire(Duration.ZERO)) {
            CompletableFuture<Lease> waiting = other.acquireAsync(Duration.ofSeconds(30));
            awaitSubscribers(redis, "fencelock:{cancel}:released", 1);
            waiting.cancel(false);
            assertThatThrownBy(waiting::join).isInstanceOf(CancellationException.class);
        }
        awaitSubscribers(redis, "fencelock:{cancel}:released", 0);
    }

    @Test
    void anInterruptedLockInterruptiblyGivesUp(RedisServer redis) throws Exception {
        DistributedLock holder = clients.connect(redis).lock("interruptible");
        DistributedLock other = clients.connect(redis).lock("interruptible");
        try (Lease held = holder.acquire(Duration.ZERO)) {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    other.lockInterruptibly();
                    other.unlock();
                } catch (Throwable e) {
                    outcome.set(e);
                }
            });
            waiter.start();
            awaitSubscribers(redis, "fencelock:{interruptible}:released", 1);
            waiter.interrupt();
            waiter.join(10_000);
            assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void badArgumentsFailFast(RedisServer redis) {
        LockClient client = clients.connect(redis);
        DistributedLock lock = client.lock("args");
        assertThatThrownBy(() -> client.lock("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must have 1 to 1024 characters, had 0");
        assertThatThrownBy(() -> client.lock(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThatThrownBy(() -> client.lock("x", null)).isInstanceOf(NullPointerException.class).hasMessage("options");
        assertThatThrownBy(() -> lock.acquire(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxWait must not be negative, was PT-0.001S");
        assertThatThrownBy(() -> lock.acquire(null)).isInstanceOf(NullPointerException.class).hasMessage("maxWait");
        assertThatThrownBy(() -> lock.acquire(Duration.ZERO, null)).isInstanceOf(NullPointerException.class).hasMessage("options");
        assertThatThrownBy(() -> lock.acquireAsync(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.tryLock(1, null)).isInstanceOf(NullPointerException.class).hasMessage("unit");
        assertThatThrownBy(lock::newCondition).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> RedisLocks.connect((RedisLockOptions) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aReleasedLeaseCannotBeReleasedTwiceButClosesQuietly(RedisServer redis) {
        Lease lease = clients.connect(redis).lock("twice").acquire(Duration.ZERO);
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.RELEASED);
        assertThatThrownBy(lease::release).isInstanceOf(IllegalStateException.class).hasMessageContaining("already released");
        lease.close();
        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(lease::checkValid).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anAcquireSentAgainFindsItsOwnGrantAndIsGrantedAgain(RedisServer redis) {
        RedisStore store = TestClients.store(clients.connect(redis));
        Duration lease = Duration.ofSeconds(60);
        long first = grantedToken(store.acquire(LockKind.PLAIN, "resent", "fl-resent", lease, true, null).join(), "the acquire");
        // A while passes before Lettuce re-sends the acquire, whose reply a disconnect cut off.
        redis.call("PEXPIRE", "fencelock:{resent}", "5000");

        Attempt again = store.acquire(LockKind.PLAIN, "resent", "fl-resent", lease, true, null).join();

        assertThat(grantedToken(again, "the same acquire again, finding the key its first run took")).isGreaterThan(first);
        assertThat((Long) redis.call("PTTL", "fencelock:{resent}")).as("the key's expiry, moved to a whole lease")
                .isGreaterThan(5000L);
        assertThat(store.acquire(LockKind.PLAIN, "resent", "fl-other", lease, false, null).join())
                .as("another acquisition").isInstanceOf(Attempt.Refused.class);
        assertThat(store.release(LockKind.PLAIN, "resent", "fl-resent", false).join().found()).isEqualTo(Released.Finding.OURS);
    }

    @Test
    void aReleaseSentAgainAfterTheNextClientTookTheLockIsReportedReleased(RedisServer redis) {
        // The server remembers a release for two command timeouts: long ones, so that it cannot forget meanwhile.
        RedisStore releasing = TestClients.store(
                clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(5))));
        RedisStore next = TestClients.store(clients.connect(redis));
        Duration lease = Duration.ofSeconds(60);
        grantedToken(releasing.acquire(LockKind.PLAIN, "resent", "fl-releasing", lease, false, null).join(), "the first holder");
        assertThat(releasing.release(LockKind.PLAIN, "resent", "fl-releasing", false).join().found())
                .isEqualTo(Released.Finding.OURS);
        grantedToken(next.acquire(LockKind.PLAIN, "resent", "fl-next", lease, false, null).join(), "the next holder");

        // The same release again: a retry after its reply was lost, or Lettuce's re-send after a disconnect.
        Released again = releasing.release(LockKind.PLAIN, "resent", "fl-releasing", false).join();

        assertThat(again.found()).as("the release sent again, the lock since taken by the next holder")
                .isEqualTo(Released.Finding.OURS);
        assertThat(next.release(LockKind.PLAIN, "resent", "fl-next", false).join().found())
                .as("the next holder's lease, untouched").isEqualTo(Released.Finding.OURS);
    }

    static long scriptCalls(RedisServer redis) {
        return redis.commandCalls().getOrDefault("evalsha", 0L) + redis.commandCalls().getOrDefault("eval", 0L);
    }

    /** Polls PUBSUB NUMSUB until the channel has {@code count} subscribers. */
    static void awaitSubscribers(RedisServer redis, String channel, long count) throws InterruptedException {
        Poll.until(count + " subscribers on " + channel, Duration.ofSeconds(10),
                () -> (Long) ((List<?>) redis.call("PUBSUB", "NUMSUB", channel)).get(1) == count);
    }
}
