package dev.fencelock.redis;

import static dev.fencelock.redis.DistributedLockIT.awaitSubscribers;
import static dev.fencelock.redis.DistributedLockIT.scriptCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockInterruptedException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A lease belongs to its owner token, never to a thread; only the {@code Lock} view binds a hold to
 * a thread, is reentrant for it, and answers interrupts as {@link java.util.concurrent.locks.ReentrantLock} does.
 */
@RedisTest
class LeaseOwnershipIT {
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void twoTasksOnOneSingleThreadedExecutorEachGetALeaseOfTheirOwn(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("tasks");
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Lease first = executor.submit(() -> lock.acquire(Duration.ZERO)).get(10, TimeUnit.SECONDS);

            assertThat(executor.submit(lock::tryAcquire).get(10, TimeUnit.SECONDS))
                    .as("a second task on the same thread finds the lock held").isEmpty();
            assertThatThrownBy(() -> executor.submit(() -> lock.acquire(Duration.ofMillis(200))).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockTimeoutException.class);
            CompletableFuture<Lease> second = executor.submit(() -> lock.acquireAsync(Duration.ofSeconds(10)))
                    .get(10, TimeUnit.SECONDS);
            Poll.throughout(Duration.ofMillis(300), () -> assertThat(second).as("the second task waits").isNotDone());

            first.close();
            try (Lease lease = second.get(10, TimeUnit.SECONDS)) {
                assertThat(lease.fencingToken()).as("a token of its own").isGreaterThan(first.fencingToken());
            }
        } finally {
            executor.shutdown();
        }
    }

    @Test
    void aLeaseIsNotAHoldOfTheLockViewNorTheOtherWayRound(RedisServer redis) {
        DistributedLock lock = clients.connect(redis).lock("views");
        try (Lease lease = lock.acquire(Duration.ZERO)) {
            assertThat(lock.isHeldByCurrentThread()).as("a lease belongs to no thread").isFalse();
            assertThat(lock.holdCount()).isZero();
            assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
            assertThat(lock.tryLock()).as("the Lock view waits for the lease like anyone else").isFalse();
        }
        lock.lock();
        try {
            assertThatThrownBy(lock::tryAcquire).as("a lease would wait for this thread's own hold")
                    .isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessageContaining("holds plain lock 'views' through lock() and cannot take a lease of it too");
            assertThat(lock.holdCount()).isEqualTo(1);
        } finally {
            lock.unlock();
        }
    }

    @Test
    void anInterruptedThreadGetsInterruptedExceptionFromTheLockViewBeforeAnythingIsSent(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("interrupted");
        lock.acquire(Duration.ZERO).close(); // loads the scripts
        redis.resetStats();

        Thread.currentThread().interrupt();
        assertThatThrownBy(lock::lockInterruptibly).isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).as("the interrupt is consumed, as ReentrantLock does").isFalse();
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> lock.tryLock(1, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(scriptCalls(redis)).as("scripts sent for an interrupted thread").isZero();

        lock.lock();
        try {
            Thread.currentThread().interrupt();
            assertThatThrownBy(lock::lockInterruptibly).as("held already").isInstanceOf(InterruptedException.class);
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> lock.tryLock(1, TimeUnit.SECONDS)).as("held already").isInstanceOf(InterruptedException.class);
            assertThat(lock.holdCount()).as("no hold added by the refused calls").isEqualTo(1);
        } finally {
            Thread.interrupted();
            lock.unlock();
        }
    }

    @Test
    void aThreadInterruptedWhileItWaitsInAcquireGivesUpWithItsInterruptStatusSet(RedisServer redis) throws Exception {
        DistributedLock holder = clients.connect(redis).lock("shutdown-now");
        DistributedLock waiter = clients.connect(redis).lock("shutdown-now");
        try (Lease held = holder.acquire(Duration.ZERO)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            CompletableFuture<Boolean> interruptStatus = new CompletableFuture<>();
            var waiting = pool.submit(() -> {
                try {
                    return waiter.acquire(Duration.ofMinutes(5));
                } finally {
                    interruptStatus.complete(Thread.currentThread().isInterrupted());
                }
            });
            awaitSubscribers(redis, "fencelock:{shutdown-now}:released", 1);

            pool.shutdownNow();

            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(LockInterruptedException.class)
                    .hasMessageContaining("interrupted while waiting for lock 'shutdown-now'");
            assertThat(interruptStatus.get(10, TimeUnit.SECONDS)).as("interrupt status set again").isTrue();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("the pool stopped").isTrue();
            assertThat(held.isValid()).isTrue();
        }
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> waiter.acquire(Duration.ofSeconds(5))).isInstanceOf(LockInterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void theInterruptOptionBindsToAThreadSoTheLeaseMethodsRefuseIt(RedisServer redis) {
        DistributedLock lock = clients.connect(redis).lock("interrupt-option");
        LeaseOptions interrupting = LeaseOptions.renewing(Duration.ofSeconds(5)).interruptHolderOnLoss();
        assertThatThrownBy(() -> lock.acquire(Duration.ZERO, interrupting))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("interruptHolderOnLoss() applies to the Lock view")
                .hasMessageContaining("lease.onLost(lost -> worker.interrupt())");
        assertThatThrownBy(() -> lock.acquireAsync(Duration.ZERO, interrupting)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyRenewingLeaseIsLongerThanThreeCommandTimeoutsNotOnlyTheDefault(RedisServer redis) {
        LockClient client = clients.connect(redis); // command timeout 300 ms
        assertThatThrownBy(() -> client.lock("short").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofMillis(900))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lease (PT0.9S) must be longer than three command timeouts (commandTimeout PT0.3S),"
                        + " so that a renewal can time out and be retried before the lease runs out");
        assertThatThrownBy(() -> client.lock("short", LeaseOptions.renewing(Duration.ofMillis(500))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("lease (PT0.5S)");
        client.lock("long-enough").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofMillis(901))).close();
        // Nothing renews a fixed lease: its length is the caller's.
        client.lock("fixed").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(500))).close();
    }
}
