package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.LockEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every store and every topology promises, the same for all: each store's tests extend this
 * suite and hand it the {@link StoreUnderTest} they run on (for Redis: a single server, Redlock,
 * Sentinel and Cluster), so that the backend and the algorithm stay deployment choices and never change what a lock does.
 * After every test it checks that nothing was left behind: no lease still renewed, no lock name
 * still in use, nothing the store holds for waiters, no lock in the store.
 */
public abstract class LockContract extends StoreContract {
    protected LockContract(StoreUnderTest store) {
        super(store);
    }

    /**
     * The exclusive lock of {@code client} called {@code name} that the suite tests: the plain lock,
     * unless a subclass runs the suite on another kind (the fair lock, a read-write lock's write side).
     */
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.lock(name);
    }

    @Test
    public void threadsOfSeveralClientsIncrementingUnderTheLockLoseNoUpdate() throws Exception {
        int clientCount = 3;
        int threadsPerClient = 2;
        int increments = 40;
        int[] counter = {0};
        ExecutorService threads = Executors.newFixedThreadPool(clientCount * threadsPerClient);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clientCount; c++) {
            DistributedLock lock = lockOf(connect(), "counter");
            for (int t = 0; t < threadsPerClient; t++) {
                done.add(threads.submit(() -> incrementUnderLock(lock, counter, increments)));
            }
        }
        for (Future<?> future : done) {
            future.get(120, TimeUnit.SECONDS);
        }
        threads.shutdown();
        synchronized (counter) {
            assertThat(counter[0]).as("increments, none lost").isEqualTo(clientCount * threadsPerClient * increments);
        }
    }

    @Test
    public void virtualThreadsExcludeEachOtherWhereTheJdkHasThem() throws Exception {
        ExecutorService virtualThreads;
        try {
            virtualThreads = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            assumeTrue(false, "this JDK (" + Runtime.version() + ") has no virtual threads; the suite runs them on JDK 21+");
            return;
        }
        int[] counter = {0};
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            DistributedLock lock = lockOf(connect(), "virtual");
            for (int t = 0; t < 50; t++) {
                done.add(virtualThreads.submit(() -> incrementUnderLock(lock, counter, 4)));
            }
        }
        for (Future<?> future : done) {
            future.get(120, TimeUnit.SECONDS);
        }
        virtualThreads.shutdown();
        synchronized (counter) {
            assertThat(counter[0]).as("increments by 100 virtual threads, none lost").isEqualTo(400);
        }
    }

    @Test
    public void aHeldLockExcludesOtherClientsAndIsFreeAfterRelease() {
        LockClient first = connect();
        LockClient second = connect();
        try (Lease lease = lockOf(first, "exclusive").acquire(Duration.ZERO)) {
            assertThat(lockOf(second, "exclusive").tryAcquire()).isEmpty();
            assertThat(lockOf(second, "exclusive").isLocked()).isTrue();
            assertThat(lease.isValid()).isTrue();
        }
        assertThat(lockOf(second, "exclusive").isLocked()).isFalse();
        lockOf(second, "exclusive").acquire(Duration.ZERO).close();
    }

    @Test
    public void fencingTokensStrictlyIncreaseAcrossClients() {
        List<DistributedLock> locks = List.of(lockOf(connect(), "tokens"), lockOf(connect(), "tokens"));
        long previous = 0;
        for (int i = 0; i < 200; i++) {
            try (Lease lease = locks.get(i % 2).acquire(Duration.ofSeconds(5))) {
                assertThat(lease.fencingToken()).as("token of acquisition %d", i).isGreaterThan(previous);
                previous = lease.fencingToken();
            }
        }
    }

    @Test
    public void reentrantLockViewHoldsShareOneLeaseAndTheLastUnlockFreesTheLock() {
        DistributedLock lock = lockOf(connect(), "reentrant");
        DistributedLock rival = lockOf(connect(), "reentrant");
        lock.lock();
        lock.lock();
        assertThat(lock.holdCount()).isEqualTo(2);
        assertThatThrownBy(lock::tryAcquire)
                .as("a lease is a new acquisition, never a reentrant one: refused, it would wait for this thread's hold")
                .isInstanceOf(IllegalMonitorStateException.class);
        assertThat(lock.holdCount()).as("holds after the refusal").isEqualTo(2);
        lock.unlock();
        assertThat(rival.tryAcquire()).as("still held after the inner unlock").isEmpty();
        lock.unlock();
        rival.acquire(Duration.ZERO).close();
    }

    @Test
    public void aWaiterIsWokenByTheReleaseNotByTheLeaseRunningOut() throws Exception {
        Lease held = lockOf(connect(), "handoff").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(60)));
        LockEngine waiter = connectPatient();
        CompletableFuture<Lease> waiting = lockOf(waiter, "handoff").acquireAsync(Duration.ofSeconds(30));
        awaitWaiting(waiter, waiting);
        held.close();
        // The key had 60 s to live, and the waiter tries again on its own after 30 s (or at the end
        // of its wait, as late): only the release can wake it within 10 s.
        try (Lease lease = waiting.get(10, TimeUnit.SECONDS)) {
            assertThat(lease.fencingToken()).isGreaterThan(held.fencingToken());
        }
    }

    @Test
    public void aDeletedKeyIsReportedLostAndTheReleaseSaysSo() throws Exception {
        Lease lease = lockOf(connect(), "deleted").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        store().deleteLock("deleted");
        LockLostException lost = lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(lost.reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    /** A deliberately non-atomic increment (read, yield, write) under the lock, as ShedLock's FuzzTester does. */
    private static Void incrementUnderLock(DistributedLock lock, int[] counter, int times) {
        for (int i = 0; i < times; i++) {
            lock.lock();
            try {
                int read = counter[0];
                Thread.yield();
                counter[0] = read + 1;
            } finally {
                lock.unlock();
            }
        }
        return null;
    }
}
