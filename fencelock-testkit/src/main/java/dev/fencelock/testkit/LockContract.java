package dev.fencelock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every topology promises, the same for all: a single server, Redlock, Sentinel and Cluster
 * each extend this suite with the servers it runs on, so that the algorithm stays a deployment
 * choice and never changes what a lock does.
 */
abstract class LockContract {
    private final List<RedisLockClient> clients = new ArrayList<>();

    /** The options of a new client on the topology under test. */
    abstract LockClientOptions.Builder options();

    /** Deletes the lock key of {@code name} wherever it lives, as an operator or a data loss would. */
    abstract void deleteLockKey(String name);

    /** The lock keys left on the servers, for the leak check. */
    abstract List<String> lockKeysLeft();

    /** Stops servers started for one test, after the leak check; nothing for servers shared by a class. */
    void stopServers() {}

    RedisLockClient connect() {
        RedisLockClient client = (RedisLockClient) RedisLocks.connect(options().build());
        clients.add(client);
        return client;
    }

    @AfterEach
    void nothingLeaked() {
        try {
            for (RedisLockClient client : clients) {
                TestClients.awaitQuiet(client);
                assertThat(client.renewer().trackedCount()).as("leases still renewed by %s", client).isZero();
                assertThat(client.namesInUse()).as("lock names still in use in %s", client).isZero();
                assertThat(client.servers().channelCount()).as("channels still subscribed by %s", client).isZero();
            }
            assertThat(lockKeysLeft()).as("lock keys left").isEmpty();
        } finally {
            clients.forEach(RedisLockClient::close);
            stopServers();
        }
    }

    @Test
    void threadsOfSeveralClientsIncrementingUnderTheLockLoseNoUpdate() throws Exception {
        int clientCount = 3;
        int threadsPerClient = 2;
        int increments = 40;
        int[] counter = {0};
        ExecutorService threads = Executors.newFixedThreadPool(clientCount * threadsPerClient);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clientCount; c++) {
            DistributedLock lock = connect().lock("counter");
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
    void virtualThreadsExcludeEachOtherWhereTheJdkHasThem() throws Exception {
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
            DistributedLock lock = connect().lock("virtual");
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
    void aHeldLockExcludesOtherClientsAndIsFreeAfterRelease() {
        LockClient first = connect();
        LockClient second = connect();
        try (Lease lease = first.lock("exclusive").acquire(Duration.ZERO)) {
            assertThat(second.lock("exclusive").tryAcquire()).isEmpty();
            assertThat(second.lock("exclusive").isLocked()).isTrue();
            assertThat(lease.isValid()).isTrue();
        }
        assertThat(second.lock("exclusive").isLocked()).isFalse();
        second.lock("exclusive").acquire(Duration.ZERO).close();
    }

    @Test
    void fencingTokensStrictlyIncreaseAcrossClients() {
        List<DistributedLock> locks = List.of(connect().lock("tokens"), connect().lock("tokens"));
        long previous = 0;
        for (int i = 0; i < 200; i++) {
            try (Lease lease = locks.get(i % 2).acquire(Duration.ofSeconds(5))) {
                assertThat(lease.fencingToken()).as("token of acquisition %d", i).isGreaterThan(previous);
                previous = lease.fencingToken();
            }
        }
    }

    @Test
    void reentrantLockViewHoldsShareOneLeaseAndTheLastUnlockFreesTheLock() {
        DistributedLock lock = connect().lock("reentrant");
        DistributedLock rival = connect().lock("reentrant");
        lock.lock();
        lock.lock();
        assertThat(lock.holdCount()).isEqualTo(2);
        assertThat(lock.tryAcquire()).as("a lease is a new acquisition, never a reentrant one").isEmpty();
        lock.unlock();
        assertThat(rival.tryAcquire()).as("still held after the inner unlock").isEmpty();
        lock.unlock();
        rival.acquire(Duration.ZERO).close();
    }

    @Test
    void aWaiterIsWokenByTheReleaseNotByTheLeaseRunningOut() throws Exception {
        Lease held = connect().lock("handoff").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(60)));
        CompletableFuture<Lease> waiting = connect().lock("handoff").acquireAsync(Duration.ofSeconds(20));
        awaitWaiting(waiting);
        held.close();
        // The key had 60 s to live and the waiter gives up after 20 s: only the release can wake it.
        try (Lease lease = waiting.get(20, TimeUnit.SECONDS)) {
            assertThat(lease.fencingToken()).isGreaterThan(held.fencingToken());
        }
    }

    @Test
    void aDeletedKeyIsReportedLostAndTheReleaseSaysSo() throws Exception {
        Lease lease = connect().lock("deleted").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        deleteLockKey("deleted");
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

    /** Gives a waiter time to fail its first try and subscribe, checking that it keeps waiting. */
    private static void awaitWaiting(CompletableFuture<Lease> waiting) throws InterruptedException {
        Poll.throughout(Duration.ofMillis(300),
                () -> assertThat(waiting).as("the waiter must wait while the lock is held").isNotDone());
    }
}
