package dev.fencelock.spi;

import static dev.fencelock.spi.DeadlinePoll.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.ReleaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A semaphore's release that passes the permit it frees to a waiting acquisition of its own client
 * ({@link LockStore#releasePermit}), and the races of that grant with what the acquisition does
 * meanwhile: the store's replies are held ({@link MemoryStore#holdingNextPermitReleaseReply}) to
 * order them.
 */
class EnginePermitPassTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofMinutes(1);
    private static final String NAME = "pool";

    @Test
    void aWaiterOfTheReleasingClientIsGrantedThePermitByTheReleaseAlone() throws Exception {
        // A waiter tries again only when woken: every attempt counted is one the engine chose to send.
        MemoryStore store = new MemoryStore().withSemaphores().keepingAliveEvery(Duration.ofHours(1));
        try (LockEngine engine = new LockEngine(store, LEASE, Ticker.SYSTEM)) {
            DistributedSemaphore semaphore = engine.semaphore(NAME, 1);
            Lease holder = semaphore.acquire(Duration.ZERO);
            CompletableFuture<Lease> waiter = queued(engine, semaphore);
            int attempts = store.permitAttemptCount();

            holder.close();

            try (Lease passed = waiter.get(10, TimeUnit.SECONDS)) {
                assertThat(store.permitAttemptCount()).as("attempts sent after the release").isEqualTo(attempts);
                assertThat(passed.isValid()).isTrue();
                assertThat(passed.fencingToken()).as("the passed permit's token").isGreaterThan(holder.fencingToken());
                assertThat(engine.leasesWatched()).as("the passed lease is renewed").isEqualTo(1);
                assertThat(waitersOf(engine, 1)).as("acquisitions left waiting").isZero();
            }
            assertThat(store.permitHolders(NAME)).as("holders after the passed lease's release").isEmpty();
            assertThat(engine.namesInUse()).isZero();
        }
    }

    @Test
    void aPermitPassedToAWaiterThatGaveUpMeanwhileIsGivenBackOnce() throws Exception {
        MemoryStore store = new MemoryStore().withSemaphores().keepingAliveEvery(Duration.ofHours(1));
        try (LockEngine engine = new LockEngine(store, LEASE, Ticker.SYSTEM)) {
            DistributedSemaphore semaphore = engine.semaphore(NAME, 2);
            Lease kept = semaphore.acquire(Duration.ZERO);
            Lease holder = semaphore.acquire(Duration.ZERO);
            CompletableFuture<Lease> waiter = queued(engine, semaphore);
            HeldRelease release = releaseWithReplyHeld(store, engine, holder);
            assertThat(store.permitHolders(NAME)).as("holders once the release passed its permit").hasSize(2);

            waiter.cancel(false);
            release.answer();

            until(() -> store.permitHolders(NAME).size() == 1);
            assertThat(store.permitHolders(NAME)).as("the abandoned grant given back, the kept permit not")
                    .containsExactly(ownerOf(kept));
            assertThat(engine.namesInUse()).as("the semaphore, still used by the kept lease").isEqualTo(1);
            assertThat(engine.leasesWatched()).as("leases renewed: the kept one").isEqualTo(1);
            kept.close();
            assertThat(engine.namesInUse()).isZero();
            assertThat(store.permitHolders(NAME)).isEmpty();
        }
    }

    @Test
    void aWaitersAttemptWaitsForTheReplyOfTheReleaseThatNamesIt() throws Exception {
        // The waiter tries again every 20 ms: an attempt falls due while the release is on its way.
        MemoryStore store = new MemoryStore().withSemaphores().keepingAliveEvery(Duration.ofMillis(20));
        try (LockEngine engine = new LockEngine(store, LEASE, Ticker.SYSTEM)) {
            DistributedSemaphore semaphore = engine.semaphore(NAME, 2);
            Lease kept = semaphore.acquire(Duration.ZERO);
            Lease holder = semaphore.acquire(Duration.ZERO);
            CompletableFuture<Lease> waiter = queued(engine, semaphore);
            Acquisition waiting = engine.localLock(new LockTarget.Permit(NAME, 2)).waitingForPermit().get(0);
            HeldRelease release = releaseWithReplyHeld(store, engine, holder);
            int attempts = store.permitAttemptCount();

            until(waiting::isAttemptDeferred);
            assertThat(waiting.reserveForPass()).as("named by a further release while its attempt waits").isFalse();
            release.answer();

            try (Lease passed = waiter.get(10, TimeUnit.SECONDS)) {
                assertThat(store.permitAttemptCount()).as("attempts that crossed the release").isEqualTo(attempts);
                assertThat(passed.isValid()).isTrue();
                assertThat(store.permitHolders(NAME)).as("holders: the kept and the passed lease").hasSize(2);
                assertThat(engine.leasesWatched()).as("leases renewed: the kept and the passed one").isEqualTo(2);
            }
            assertThat(store.permitHolders(NAME)).as("holders once the passed lease is released").containsExactly(ownerOf(kept));
            assertThat(engine.leasesWatched()).as("leases renewed: the kept one").isEqualTo(1);
            kept.close();
            assertThat(engine.namesInUse()).isZero();
        }
    }

    @Test
    void aReleasePassesNothingToAWaiterWhoseAttemptIsOnItsWayAndMayGiveThePermitBack() throws Exception {
        MemoryStore store = new MemoryStore().withSemaphores().keepingAliveEvery(Duration.ofMillis(20));
        try (LockEngine engine = new LockEngine(store, LEASE, Ticker.SYSTEM)) {
            DistributedSemaphore semaphore = engine.semaphore(NAME, 2);
            Lease kept = semaphore.acquire(Duration.ZERO);
            Lease holder = semaphore.acquire(Duration.ZERO);
            CompletableFuture<Lease> waiter = queued(engine, semaphore);
            // An attempt refused before the release, whose reply is lost after the release's reply
            // came: the store then gives back what it may have granted (the waiter's owner token).
            CompletableFuture<Void> lostReply = new CompletableFuture<>();
            store.losingNextPermitAcquireReply(lostReply);
            int lostAt = store.permitAttemptCount() + 1;
            until(() -> store.permitAttemptCount() == lostAt);
            HeldRelease release = releaseWithReplyHeld(store, engine, holder);

            release.answer();
            lostReply.complete(null);

            try (Lease won = waiter.get(10, TimeUnit.SECONDS)) {
                assertThat(won.isValid()).isTrue();
                assertThat(store.permitHolders(NAME)).as("holders: the kept lease and the waiter's, held by the store")
                        .containsExactlyInAnyOrder(ownerOf(kept), ownerOf(won));
            }
            kept.close();
            assertThat(engine.namesInUse()).isZero();
            assertThat(engine.leasesWatched()).isZero();
        }
    }

    @Test
    void aPermitPassedTooLateIsGrantedAgainToTheWaitersNextAttempt() throws Exception {
        MemoryStore store = new MemoryStore().withSemaphores().keepingAliveEvery(Duration.ofMillis(20));
        FakeTicker ticker = new FakeTicker();
        try (LockEngine engine = new LockEngine(store, LEASE, ticker)) {
            DistributedSemaphore semaphore = engine.semaphore(NAME, 1);
            Lease holder = semaphore.acquire(Duration.ZERO);
            CompletableFuture<Lease> waiter = queued(engine, semaphore);
            HeldRelease release = releaseWithReplyHeld(store, engine, holder);

            // The release's reply comes after the whole lease: too late to use what it passed.
            ticker.advance(LEASE.plusSeconds(1));
            release.answer();

            try (Lease granted = waiter.get(10, TimeUnit.SECONDS)) {
                // Valid only if granted by an attempt answered after the clock moved, not by the pass.
                // (No count of attempts: a keep-alive attempt on its way when the release was sent
                // keeps the release from passing, and is then granted without a further one.)
                assertThat(granted.isValid()).isTrue();
                assertThat(store.permitHolders(NAME)).as("holders: the waiter, granted again").containsExactly(ownerOf(granted));
            }
            assertThat(store.permitHolders(NAME)).isEmpty();
            assertThat(engine.namesInUse()).isZero();
        }
    }

    @Test
    void aWaiterThatGaveUpAGrantTooLateAndWonWithAnotherOwnerTokenLeavesNoWaiterBehind() throws Exception {
        MemoryStore store = new MemoryStore().withSemaphores().keepingAliveEvery(Duration.ofMillis(20));
        FakeTicker ticker = new FakeTicker();
        try (LockEngine engine = new LockEngine(store, LEASE, ticker)) {
            DistributedSemaphore semaphore = engine.semaphore(NAME, 1);
            Lease holder = semaphore.acquire(Duration.ZERO);
            CompletableFuture<Lease> waiter = queued(engine, semaphore);
            CompletableFuture<Void> grantedReply = new CompletableFuture<>();
            store.holdingNextPermitAcquireReply(grantedReply);
            // Freed where the engine does not see it (as by its lease's expiry): the waiter's next
            // attempt is granted, and its reply comes after the whole lease.
            int grantedAt = store.permitAttemptCount() + 1;
            store.releasePermit(NAME, ownerOf(holder), List.of()).join();
            until(() -> store.permitAttemptCount() == grantedAt);
            ticker.advance(LEASE.plusSeconds(1));
            grantedReply.complete(null);

            try (Lease won = waiter.get(10, TimeUnit.SECONDS)) {
                assertThat(waitersOf(engine, 1)).as("acquisitions recorded as waiting for a permit").isZero();
            }
        }
    }

    /** Starts an acquisition that waits, and returns once the engine records it as waiting for a permit. */
    private static CompletableFuture<Lease> queued(LockEngine engine, DistributedSemaphore semaphore)
            throws InterruptedException {
        CompletableFuture<Lease> waiting = semaphore.acquireAsync(WAIT);
        until(() -> waitersOf(engine, semaphore.permits()) == 1);
        return waiting;
    }

    /** A release that reached the store, whose reply the store holds until {@link #answer()}. */
    private record HeldRelease(CompletableFuture<Void> reply, CompletableFuture<ReleaseOutcome> outcome) {
        void answer() throws Exception {
            reply.complete(null);
            outcome.get(10, TimeUnit.SECONDS);
        }
    }

    private static HeldRelease releaseWithReplyHeld(MemoryStore store, LockEngine engine, Lease holder)
            throws InterruptedException {
        CompletableFuture<Void> reply = new CompletableFuture<>();
        store.holdingNextPermitReleaseReply(reply);
        CompletableFuture<ReleaseOutcome> outcome = releaseAsync(engine, holder);
        assertThat(store.awaitPermitReleases(1, Duration.ofSeconds(10))).as("the release reached the store").isTrue();
        return new HeldRelease(reply, outcome);
    }

    /** Releases without waiting for the reply, which the store may hold past the engine's call bound. */
    private static CompletableFuture<ReleaseOutcome> releaseAsync(LockEngine engine, Lease lease) {
        Hold hold = (Hold) lease;
        return engine.releaseAsync(engine.localLock(hold.lease().target()), hold.lease());
    }

    private static int waitersOf(LockEngine engine, int permits) {
        LocalLock local = engine.localLock(new LockTarget.Permit(NAME, permits));
        return local == null ? 0 : local.waitingForPermit().size();
    }

    private static String ownerOf(Lease lease) {
        return ((Hold) lease).lease().owner();
    }
}
