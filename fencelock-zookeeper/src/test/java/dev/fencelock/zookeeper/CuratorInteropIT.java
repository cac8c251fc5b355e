package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.junit.jupiter.api.Test;

/**
 * A Fencelock lock (plain or fair) and Curator's own {@code InterProcessMutex} on the same path
 * exclude each other, in both directions, because both follow Curator's node layout and order.
 */
class CuratorInteropIT extends ZooKeeperIT {

    private InterProcessMutex curatorMutex(String name) {
        return new InterProcessMutex(zooKeeper.curator(), LockPaths.lockPath(root, name));
    }

    @Test
    void aFencelockHolderKeepsCuratorsMutexOutUntilItReleases() throws Exception {
        LockClient client = connect();
        InterProcessMutex mutex = curatorMutex("shared");
        try (Lease lease = client.lock("shared").acquire(Duration.ZERO)) {
            assertThat(mutex.acquire(200, TimeUnit.MILLISECONDS)).as("Curator's mutex while Fencelock holds").isFalse();
            assertThat(lease.isValid()).isTrue();
        }
        assertThat(mutex.acquire(10, TimeUnit.SECONDS)).as("Curator's mutex after the release").isTrue();
        mutex.release();
    }

    @Test
    void curatorsMutexKeepsFencelockOutAndItsReleaseWakesTheWaiter() throws Exception {
        // A keep-alive far longer than the wait: only the watch on Curator's node can wake the waiter.
        LockEngine client = connect(options -> options.sessionTimeout(Duration.ofSeconds(60)));
        DistributedLock lock = client.lock("shared");
        InterProcessMutex mutex = curatorMutex("shared");
        mutex.acquire();
        assertThat(lock.tryAcquire()).as("Fencelock while Curator holds").isEmpty();
        assertThat(lock.isLocked()).isTrue();
        CompletableFuture<Lease> waiting = lock.acquireAsync(Duration.ofSeconds(30));
        awaitQueued(client, waiting);

        mutex.release();

        // The waiter's own try comes after 30 s, at the end of its wait.
        waiting.get(10, TimeUnit.SECONDS).close();
    }

    @Test
    void fencelocksFairLockAndCuratorsMutexExcludeEachOtherBothWays() throws Exception {
        LockEngine client = connect();
        DistributedLock fair = client.fairLock("shared");
        InterProcessMutex mutex = curatorMutex("shared");
        try (Lease lease = fair.acquire(Duration.ZERO)) {
            assertThat(mutex.acquire(200, TimeUnit.MILLISECONDS)).as("Curator's mutex while Fencelock's fair lock holds").isFalse();
            assertThat(lease.isValid()).isTrue();
        }
        mutex.acquire();
        assertThat(fair.tryAcquire()).as("Fencelock's fair lock while Curator holds").isEmpty();
        CompletableFuture<Lease> waiting = fair.acquireAsync(Duration.ofSeconds(30));
        awaitQueued(client, waiting);

        mutex.release();

        waiting.get(30, TimeUnit.SECONDS).close();
    }

    @Test
    void fencingTokensKeepIncreasingAcrossCuratorHolders() throws Exception {
        DistributedLock lock = connect().lock("alternating");
        InterProcessMutex mutex = curatorMutex("alternating");
        long previous = 0;
        for (int i = 0; i < 10; i++) {
            mutex.acquire();
            long curatorsZxid = holderCzxid("alternating");
            assertThat(curatorsZxid).as("the zxid of Curator's node, round %d", i).isGreaterThan(previous);
            mutex.release();
            try (Lease lease = lock.acquire(Duration.ofSeconds(10))) {
                assertThat(lease.fencingToken()).as("Fencelock's token after Curator's, round %d", i).isGreaterThan(curatorsZxid);
                previous = lease.fencingToken();
            }
        }
    }

    @Test
    void curatorAndFencelockThreadsIncrementingUnderTheSameLockLoseNoUpdate() throws Exception {
        int increments = 25;
        int[] counter = {0};
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            InterProcessMutex mutex = curatorMutex("counter");
            done.add(threads.submit(() -> {
                for (int n = 0; n < increments; n++) {
                    mutex.acquire();
                    try {
                        increment(counter);
                    } finally {
                        mutex.release();
                    }
                }
                return null;
            }));
            DistributedLock lock = connect().lock("counter");
            done.add(threads.submit(() -> {
                for (int n = 0; n < increments; n++) {
                    lock.lock();
                    try {
                        increment(counter);
                    } finally {
                        lock.unlock();
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : done) {
            future.get(120, TimeUnit.SECONDS);
        }
        threads.shutdown();
        synchronized (counter) {
            assertThat(counter[0]).as("increments by Curator and Fencelock, none lost").isEqualTo(4 * increments);
        }
    }

    /** Read, yield, write: an update that another holder at the same time would lose. */
    private static void increment(int[] counter) {
        int read = counter[0];
        Thread.yield();
        counter[0] = read + 1;
    }

    private long holderCzxid(String name) throws Exception {
        String lockPath = LockPaths.lockPath(root, name);
        Optional<String> first = LockNodes.ordered(zooKeeper.curator().getChildren().forPath(lockPath)).stream().findFirst();
        return zooKeeper.curator().checkExists().forPath(lockPath + "/" + first.orElseThrow()).getCzxid();
    }

    /** Waits until the waiter's node is queued behind Curator's, then checks for a while that it keeps waiting. */
    private static void awaitQueued(LockEngine client, CompletableFuture<Lease> waiting) throws InterruptedException {
        Poll.until("the waiter's node queued", Duration.ofSeconds(10), () -> TestZooKeeper.waitingNodes(client) == 1);
        Poll.throughout(Duration.ofMillis(300), () -> assertThat(waiting).as("waits while Curator holds").isNotDone());
    }
}
