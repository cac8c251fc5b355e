package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.LockEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a semaphore promises on every store and topology that has semaphores, the same for all: at
 * most its count of permits held at once, each permit a lease (fenced, lost-signalled), bounded
 * waits, and one count for every client. After every test it checks that nothing was left behind,
 * as every {@link StoreContract} does.
 */
public abstract class SemaphoreContract extends StoreContract {
    protected SemaphoreContract(StoreUnderTest store) {
        super(store);
    }

    @Test
    public void threadsOfSeveralClientsNeverHoldMorePermitsThanTheCount() throws Exception {
        int permits = 3;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            DistributedSemaphore semaphore = connect().semaphore("bounded", permits);
            for (int t = 0; t < 4; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        try (Lease lease = semaphore.acquire(Duration.ofSeconds(60))) {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            Thread.yield();
                            inside.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
        }
        for (Future<?> future : done) {
            future.get(120, TimeUnit.SECONDS);
        }
        threads.shutdown();
        assertThat(most.get()).as("most permits held at once, of %d", permits).isBetween(1, permits);
    }

    @Test
    public void tryAcquireTakesTheFreePermitsThenRefusesAndAReleaseFreesOne() {
        DistributedSemaphore semaphore = connect().semaphore("try", 2);
        DistributedSemaphore other = connect().semaphore("try", 2);
        assertThat(other.availablePermits()).isEqualTo(2);
        Lease first = semaphore.tryAcquire().orElseThrow();
        Lease second = other.tryAcquire().orElseThrow();
        assertThat(other.tryAcquire()).as("a third permit of two").isEmpty();
        assertThat(semaphore.availablePermits()).isZero();

        first.close();

        assertThat(other.availablePermits()).isEqualTo(1);
        other.tryAcquire().orElseThrow().close();
        second.close();
        assertThat(semaphore.availablePermits()).isEqualTo(2);
    }

    @Test
    public void fencingTokensStrictlyIncreaseAcrossClientsAndWithTheLockOfTheSameName() {
        List<DistributedSemaphore> semaphores =
                List.of(connect().semaphore("tokens", 2), connect().semaphore("tokens", 2));
        LockEngine lockClient = connect();
        long previous = 0;
        for (int i = 0; i < 60; i++) {
            // The lock of the same name draws from the same sequence, and does not exclude the permits.
            try (Lease permit = semaphores.get(i % 2).acquire(Duration.ofSeconds(5));
                    Lease lock = lockClient.lock("tokens").acquire(Duration.ofSeconds(5))) {
                assertThat(permit.fencingToken()).as("permit token %d", i).isGreaterThan(previous);
                assertThat(lock.fencingToken()).as("lock token %d", i).isGreaterThan(permit.fencingToken());
                previous = lock.fencingToken();
            }
        }
    }

    @Test
    public void aWaiterIsWokenByTheReleaseNotByTheLeaseRunningOut() throws Exception {
        Lease held = connect().semaphore("handoff", 1)
                .acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(60)));
        LockEngine waiter = connectPatient();
        CompletableFuture<Lease> waiting = waiter.semaphore("handoff", 1).acquireAsync(Duration.ofSeconds(30));
        awaitWaiting(waiter, waiting);

        held.close();

        // The permit had 60 s to live, and the waiter tries again on its own after 30 s (or at the end
        // of its wait, as late): only the release can wake it within 10 s.
        try (Lease lease = waiting.get(10, TimeUnit.SECONDS)) {
            assertThat(lease.fencingToken()).isGreaterThan(held.fencingToken());
        }
    }

    @Test
    public void aWaitEndsWithATimeoutWhileEveryPermitIsHeld() {
        DistributedSemaphore semaphore = connect().semaphore("timeout", 1);
        try (Lease held = semaphore.acquire(Duration.ZERO)) {
            assertThatThrownBy(() -> connect().semaphore("timeout", 1).acquire(Duration.ofMillis(200)))
                    .isInstanceOf(LockTimeoutException.class)
                    .hasMessageContaining("semaphore 'timeout'");
            assertThat(held.isValid()).isTrue();
        }
    }

    @Test
    public void deletedPermitsAreReportedLostAndTheReleaseSaysSo() throws Exception {
        Lease lease = connect().semaphore("deleted", 2)
                .acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        store().deletePermits("deleted");
        LockLostException lost = lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(lost.reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    @Test
    public void aClientNamingAnotherCountIsRefusedWithBothCounts() {
        try (Lease held = connect().semaphore("counted", 2).acquire(Duration.ZERO)) {
            DistributedSemaphore other = connect().semaphore("counted", 3);
            assertThatThrownBy(other::tryAcquire)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("permits")
                    .hasMessageContaining("has 2 permits")
                    .hasMessageContaining("named 3");
            assertThatThrownBy(() -> other.acquire(Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(other::availablePermits).isInstanceOf(IllegalArgumentException.class);
            assertThat(held.isValid()).isTrue();
        }
    }

    @Test
    public void aCancelledAsyncAcquisitionLeavesNoPermitHeld() throws Exception {
        DistributedSemaphore semaphore = connect().semaphore("cancelled", 1);
        Lease held = semaphore.acquire(Duration.ZERO);
        LockEngine waiter = connectPatient();
        CompletableFuture<Lease> waiting = waiter.semaphore("cancelled", 1).acquireAsync(Duration.ofSeconds(30));
        awaitWaiting(waiter, waiting);
        waiting.cancel(false);
        Poll.until("the cancelled waiter settled", Duration.ofSeconds(10), () -> !store().isWaiting(waiter));
        held.close();
        // Left in the queue (for minutes: its client's keep-alive is long), the cancelled waiter would
        // have the freed permit kept for it, and a try would be refused.
        Optional<Lease> freed = semaphore.tryAcquire();
        assertThat(freed).as("the freed permit, at once").isPresent();
        freed.get().close();
    }
}
