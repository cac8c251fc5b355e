package dev.fencelock.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockEvents;
import dev.fencelock.LockException;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.ReleaseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The engine over a store in memory: what it promises whatever the backend. */
class EngineTest {
    private static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** A holder from another Fencelock client, whose release is announced. */
    private static final String HOLDER = OwnerTokens.PREFIX + "holder";
    private static final String OTHER = OwnerTokens.PREFIX + "other";
    /** How long the releases that keep their key keep it. */
    private static final Duration KEEP = Duration.ofMinutes(5);

    /** A store where {@link #HOLDER} holds {@code name}: this engine's waiters try again only when woken by its release. */
    private static MemoryStore heldByAnotherClient(String name) {
        MemoryStore store = new MemoryStore().keepingAliveEvery(Duration.ofHours(1));
        store.hold(name, HOLDER);
        return store;
    }

    @Test
    void aWaitingAcquisitionKeepsItsMemoryFlatThrough1000Retries() throws Exception {
        MemoryStore store = new MemoryStore().refusingWithRetryAfter(Duration.ofMillis(1));
        store.hold("busy", HOLDER);
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            CompletableFuture<Lease> waiting = engine.acquire(LockKind.PLAIN, "busy", Duration.ofMinutes(5),
                    LeaseOptions.renewing(DEFAULT_LEASE), null, null);
            assertThat(store.awaitAttempts(50, Duration.ofSeconds(30))).as("50 attempts").isTrue();
            int dependents = waiting.getNumberOfDependents();
            int releaseDependents = store.releaseDependents("busy");

            assertThat(store.awaitAttempts(1000, Duration.ofSeconds(60))).as("1000 attempts").isTrue();

            assertThat(waiting).isNotDone();
            assertThat(waiting.getNumberOfDependents()).as("dependents of the acquisition").isEqualTo(dependents);
            assertThat(store.releaseDependents("busy")).as("dependents of the next release").isEqualTo(releaseDependents);
            waiting.cancel(false);
        }
    }

    @Test
    void anAsyncAcquisitionTheCallerTimesOutWithOrTimeoutIsAbandonedAndLeavesTheLockFree() throws Exception {
        MemoryStore store = heldByAnotherClient("given-up");
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM);
                LockEngine other = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            CompletableFuture<Lease> waiting = engine.lock("given-up").acquireAsync(Duration.ofHours(1));
            assertThat(store.awaitAttempts(2, Duration.ofSeconds(10))).as("a try, a watch, a try").isTrue();

            // The JDK's way to give up waiting: it completes the future, it does not cancel it.
            CompletableFuture<Lease> givenUp = waiting.orTimeout(1, TimeUnit.MILLISECONDS);
            assertThatThrownBy(() -> givenUp.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
            store.release(LockKind.PLAIN, "given-up", HOLDER, false);

            DeadlinePoll.until(() -> engine.namesInUse() == 0 && engine.leasesWatched() == 0);
            assertThat(store.ownerOf("given-up")).as("the holder after the release, none").isNull();
            assertThat(other.lock("given-up").tryAcquire()).as("another client's try").isPresent();
        }
    }

    @Test
    void anExtensionTheStoreDidNotConfirmEndsTheLeaseNoLaterThanTheEndItAskedFor() {
        MemoryStore store = new MemoryStore();
        FakeTicker ticker = new FakeTicker();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, ticker)) {
            Lease lease = engine.lock("extended").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(10)));
            store.unanswered(true);

            assertThatThrownBy(() -> lease.extend(Duration.ofMinutes(20))).isInstanceOf(LockUnavailableException.class);
            assertThat(lease.remaining()).as("after a lengthening not confirmed: the old end").isEqualTo(Duration.ofMinutes(10));

            // The store may have applied it, and then lets the key expire in 30 s.
            assertThatThrownBy(() -> lease.extend(Duration.ofSeconds(30)))
                    .isInstanceOf(LockUnavailableException.class)
                    .hasMessage("memory did not confirm the extension of lock 'extended'; it may or may not have applied it");
            assertThat(lease.remaining()).as("after a shortening not confirmed: the new end").isEqualTo(Duration.ofSeconds(30));
            ticker.advance(Duration.ofSeconds(30));
            assertThat(lease.isValid()).as("valid past the end the store may have set").isFalse();
        }
    }

    @Test
    void aThreadHoldingTheLockThroughLockIsRefusedALeaseOfItButLocksAnewOnceItsLeaseIsLost() throws Exception {
        MemoryStore store = new MemoryStore();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            DistributedLock lock = engine.lock("viewed");
            lock.lock();

            String refusal = "the current thread holds plain lock 'viewed' through lock() and cannot take a lease of it"
                    + " too: it would wait for its own lease forever; unlock it first";
            assertThatThrownBy(() -> lock.acquire(Duration.ofSeconds(1))).as("acquire")
                    .isInstanceOf(IllegalMonitorStateException.class).hasMessage(refusal);
            assertThatThrownBy(lock::tryAcquire).as("tryAcquire")
                    .isInstanceOf(IllegalMonitorStateException.class).hasMessage(refusal);
            assertThatThrownBy(() -> lock.acquireAsync(Duration.ofSeconds(1))).as("acquireAsync")
                    .isInstanceOf(IllegalMonitorStateException.class).hasMessage(refusal);
            assertThatThrownBy(() -> engine.lock("viewed").acquire(Duration.ofSeconds(1))).as("another view of the lock")
                    .isInstanceOf(IllegalMonitorStateException.class).hasMessage(refusal);
            assertThat(lock.holdCount()).as("holds after the refusals").isEqualTo(1);

            store.loseAndReport("viewed");
            DeadlinePoll.until(() -> !lock.isHeldByCurrentThread());
            lock.lock();
            assertThat(lock.holdCount()).as("holds of the new lease").isEqualTo(1);
            lock.unlock();
            assertThatThrownBy(lock::unlock).as("the hold of the lost lease").isInstanceOf(LockLostException.class);
        }
    }

    @Test
    void anInterruptThatComesAsTheLeaseIsGrantedIsThrownEvenWhenTheLeaseCannotBeGivenBack() {
        MemoryStore store = new MemoryStore();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            Lease granted = engine.lock("interrupted").acquire(Duration.ZERO);
            // Granted just as the interrupted waiter abandons it: too late to cancel.
            CompletableFuture<Lease> grantedWhileAbandoned = new CompletableFuture<>() {
                @Override
                public boolean cancel(boolean mayInterruptIfRunning) {
                    complete(granted);
                    return false;
                }
            };
            store.unanswered(true);
            Thread.currentThread().interrupt();

            assertThatThrownBy(() -> EngineLock.awaitInterruptibly(grantedWhileAbandoned))
                    .isInstanceOf(InterruptedException.class)
                    .satisfies(interrupted -> assertThat(interrupted.getSuppressed()).as("the failed release")
                            .singleElement().isInstanceOf(LockUnavailableException.class));
            assertThat(granted.isValid()).as("the lease given up").isFalse();
        }
    }

    @Test
    void aLossFoundByAnExtensionOrAReleaseIsSaidToBeFoundThere() throws Exception {
        MemoryStore store = new MemoryStore();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            Lease extended = engine.lock("extended").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(1)));
            Lease released = engine.lock("released").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(1)));
            store.hold("extended", OTHER);
            store.hold("released", OTHER);

            assertThat(extended.extend(Duration.ofMinutes(2))).isFalse();
            assertThat(released.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);

            assertThat(extended.lost().toCompletableFuture().get(5, TimeUnit.SECONDS).getMessage())
                    .endsWith("its key was held by another owner when it was extended");
            assertThat(released.lost().toCompletableFuture().get(5, TimeUnit.SECONDS).getMessage())
                    .endsWith("its key was held by another owner when it was released");
        }
    }

    @Test
    void threadsOfOneClientWaitingForANameAreGrantedItInTheOrderTheyCame() throws Exception {
        MemoryStore store = heldByAnotherClient("queued");
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            DistributedLock lock = engine.lock("queued");
            List<Integer> granted = Collections.synchronizedList(new ArrayList<>());
            List<Thread> waiters = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int id = i;
                Thread waiter = new Thread(() -> {
                    lock.lock();
                    granted.add(id);
                    lock.unlock();
                });
                waiter.start();
                waiters.add(waiter);
                DeadlinePoll.until(() -> waiter.getState() == Thread.State.WAITING);
            }
            assertThat(store.attemptCount()).as("tries at the store: the first waiter's, and its retry after the watch")
                    .isLessThanOrEqualTo(2);

            store.release(LockKind.PLAIN, "queued", HOLDER, false);
            for (Thread waiter : waiters) {
                waiter.join(TimeUnit.SECONDS.toMillis(10));
            }
            assertThat(granted).containsExactly(0, 1, 2, 3, 4);
        }
    }

    @Test
    void aTryWhileAnotherAcquisitionOfTheClientWaitsForTheNameIsEmptyWithoutAskingTheStore() throws Exception {
        MemoryStore store = heldByAnotherClient("turns");
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            CompletableFuture<Lease> waiting = engine.lock("turns").acquireAsync(Duration.ofMinutes(1));
            assertThat(store.awaitAttempts(2, Duration.ofSeconds(10))).as("a try, a watch, a try").isTrue();
            int attempts = store.attemptCount();

            assertThat(engine.lock("turns").tryAcquire()).isEmpty();
            assertThat(store.attemptCount()).as("tries at the store").isEqualTo(attempts);

            store.release(LockKind.PLAIN, "turns", HOLDER, false);
            waiting.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void anInterruptWhileLockWaitsIsKeptAndSetAgainOnceTheLockIsHeld() throws Exception {
        MemoryStore store = heldByAnotherClient("uninterruptible");
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            DistributedLock lock = engine.lock("uninterruptible");
            CompletableFuture<Boolean> interruptedWhenHeld = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                lock.lock();
                interruptedWhenHeld.complete(Thread.currentThread().isInterrupted());
                lock.unlock();
            });
            waiter.start();
            DeadlinePoll.until(() -> waiter.getState() == Thread.State.WAITING);
            waiter.interrupt();
            // Still waiting: lock() is not interruptible.
            DeadlinePoll.until(() -> waiter.getState() == Thread.State.WAITING);
            assertThat(interruptedWhenHeld).isNotDone();

            store.release(LockKind.PLAIN, "uninterruptible", HOLDER, false);
            assertThat(interruptedWhenHeld.get(10, TimeUnit.SECONDS)).as("the interrupt status once held").isTrue();
        }
    }

    @Test
    void aReleaseThatKeepsTheKeyHasTheLastWordOverARenewalOnItsWay() throws Exception {
        MemoryStore store = new MemoryStore();
        CompletableFuture<Void> renewalGoesOn = new CompletableFuture<>();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            CompletableFuture<ReleaseOutcome> released = releaseAfterWhileARenewalIsOnItsWay(store, engine, renewalGoesOn);
            renewalGoesOn.complete(null);

            assertThat(released.get(10, TimeUnit.SECONDS)).isEqualTo(ReleaseOutcome.RELEASED);
            assertThat(store.lastRenewedFor("kept")).as("the key's expiry, last set").isEqualTo(KEEP);
        }
    }

    @Test
    void aReleaseThatKeepsTheKeyWaitingBehindTheWatchdogAsTheClientClosesStillGoesOut() throws Exception {
        MemoryStore store = new MemoryStore();
        CompletableFuture<Void> renewalGoesOn = new CompletableFuture<>();
        LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM);
        try {
            CompletableFuture<ReleaseOutcome> released = releaseAfterWhileARenewalIsOnItsWay(store, engine, renewalGoesOn);

            engine.close(); // drops what waits for the watchdog's thread

            assertThat(released.get(10, TimeUnit.SECONDS)).isEqualTo(ReleaseOutcome.RELEASED);
            assertThat(store.lastRenewedFor("kept")).as("the key's expiry, set at the close").isEqualTo(KEEP);
        } finally {
            renewalGoesOn.complete(null);
            engine.close();
        }
    }

    /**
     * Takes {@code kept} with a 2 s renewing lease, holds the watchdog's first renewal before the
     * store until {@code renewalGoesOn} completes, and meanwhile calls {@code releaseAfter(KEEP)} on
     * a thread of its own: returns once that call is done (applied before the renewal) or waits
     * behind the watchdog's work.
     */
    private static CompletableFuture<ReleaseOutcome> releaseAfterWhileARenewalIsOnItsWay(MemoryStore store,
            LockEngine engine, CompletableFuture<Void> renewalGoesOn) throws Exception {
        CompletableFuture<Void> renewalHeld = new CompletableFuture<>();
        store.holdingNextRenewal(renewalHeld, renewalGoesOn);
        Lease lease = engine.lock("kept").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        renewalHeld.get(10, TimeUnit.SECONDS); // 0.3 s on
        CompletableFuture<ReleaseOutcome> released = new CompletableFuture<>();
        Thread releasing = new Thread(() -> {
            try {
                released.complete(lease.releaseAfter(KEEP));
            } catch (RuntimeException e) {
                released.completeExceptionally(e);
            }
        });
        releasing.start();
        DeadlinePoll.until(() -> released.isDone() || releasing.getState() == Thread.State.TIMED_WAITING);
        return released;
    }

    @Test
    void aLossTheStoreReportsBetweenRenewalsIsSignalledAtOnceAndToListenersAddedLater() throws Exception {
        MemoryStore store = new MemoryStore();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            // The first renewal of a 30 s lease is 10 s away: only the report can end it sooner.
            Lease lease = engine.lock("session").acquire(Duration.ZERO);

            store.loseAndReport("session");

            LockLostException lost = lease.lost().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(lost.reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
            assertThat(lost.getMessage()).contains("the store reported its key gone between renewals");
            assertThat(lease.isValid()).isFalse();
            assertThat(engine.leasesWatched()).as("the lost lease is no longer renewed").isZero();

            List<Thread> ranOn = new ArrayList<>();
            lease.onLost(added -> ranOn.add(Thread.currentThread()));
            assertThat(ranOn).as("a listener added to the lost lease, run before onLost returned")
                    .containsExactly(Thread.currentThread());
        }
    }

    @Test
    void aLeaseTheStoreReportsLostIsLostWhenTheReportReturnsThoughTheWatchdogIsBusy() throws Exception {
        MemoryStore store = new MemoryStore();
        CountDownLatch watchdogBusy = new CountDownLatch(1);
        CountDownLatch watchdogFree = new CountDownLatch(1);
        try (LockEngine engine = new LockEngine(store, Duration.ofSeconds(2), Ticker.SYSTEM)) {
            Lease reported = engine.lock("session").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofHours(1)));
            // The watchdog's thread held up in its first renewal, 0.7 s from now.
            engine.addListener(new LockEvents() {
                @Override
                public void renewalCompleted(int leases, Duration roundTrip, boolean answered) {
                    watchdogBusy.countDown();
                    try {
                        watchdogFree.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            engine.lock("renewed").acquire(Duration.ZERO);
            assertThat(watchdogBusy.await(10, TimeUnit.SECONDS)).as("the watchdog renewing").isTrue();
            try {
                // As a ZooKeeper store reports the leases of a session that ended, then hears the next one.
                store.loseAndReport("session");

                assertThat(reported.isValid()).as("lost when the report returned").isFalse();
            } finally {
                watchdogFree.countDown();
            }
            assertThat(reported.lost().toCompletableFuture().get(5, TimeUnit.SECONDS).reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
        }
    }

    @Test
    void aThreadThatEndsHoldingTheLockViewHasTheLockReleasedAtItsNextRenewal() throws Exception {
        MemoryStore store = new MemoryStore();
        try (LockEngine engine = new LockEngine(store, Duration.ofSeconds(2), Ticker.SYSTEM)) {
            DistributedLock lock = engine.lock("orphaned");
            Thread holder = new Thread(lock::lock);
            holder.start();
            holder.join();

            // A 2 s lease is renewed every 0.7 s: 20 s are many renewals, each of which kept it before.
            assertThat(lock.tryLock(20, TimeUnit.SECONDS)).as("taken by another thread of the client").isTrue();
            assertThat(lock.holdCount()).isEqualTo(1);
            lock.unlock();
        }
    }

    @Test
    void aFixedLeaseOfAThreadThatEndedHoldingItRunsOutAsItWouldRatherThanBeingReleasedEarly() throws Exception {
        MemoryStore store = new MemoryStore();
        try (LockEngine engine = new LockEngine(store, Duration.ofSeconds(2), Ticker.SYSTEM)) {
            CountDownLatch renewals = new CountDownLatch(3);
            engine.addListener(new LockEvents() {
                @Override
                public void renewalCompleted(int leases, Duration roundTrip, boolean answered) {
                    renewals.countDown();
                }
            });
            engine.lock("renewing").acquire(Duration.ZERO); // the watchdog ticks every 0.7 s for it
            DistributedLock fixed = engine.lock("fixed", LeaseOptions.fixed(Duration.ofMinutes(1)));
            Thread holder = new Thread(fixed::lock);
            holder.start();
            holder.join();

            assertThat(renewals.await(20, TimeUnit.SECONDS)).as("three ticks of the watchdog").isTrue();
            assertThat(store.ownerOf("fixed")).as("the fixed lease, not renewed, so not released either").isNotNull();
        }
    }

    @Test
    void aLeaseOutlivingWhatTheStoreConfirmedIsReportedExpiredByTheWatchdog() throws Exception {
        MemoryStore store = new MemoryStore();
        FakeTicker ticker = new FakeTicker();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, ticker)) {
            store.confirmFor(Duration.ofMillis(500));
            Lease lease = engine.lock("session").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofHours(1)));
            assertThat(lease.remaining()).isEqualTo(Duration.ofMillis(500));

            ticker.advance(Duration.ofSeconds(1));

            // Nobody calls isValid(): the watchdog's own tick, at the store's deadline, reports it.
            LockLostException lost = lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(lost.reason()).isEqualTo(LockLostException.Reason.EXPIRED);
            assertThat(lost.getMessage()).contains("where the store last confirmed the client's leases");
        }
    }

    @Test
    void anAcquisitionWokenAfterItsDeadlineGivesUpWithoutTryingAgain() throws Exception {
        MemoryStore store = heldByAnotherClient("late");
        FakeTicker ticker = new FakeTicker();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, ticker)) {
            CompletableFuture<Lease> waiting = engine.lock("late").acquireAsync(Duration.ofHours(1));
            assertThat(store.awaitAttempts(2, Duration.ofSeconds(10))).as("a try, a watch, a try").isTrue();
            ticker.advance(Duration.ofHours(2));

            store.release(LockKind.PLAIN, "late", HOLDER, false);

            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockTimeoutException.class);
            assertThat(store.attemptCount()).as("attempts, none after the deadline").isEqualTo(2);
        }
    }

    @Test
    void lockWaitsWithoutEndForAHolderButNotForAStoreThatWentUnansweredForItsOutageAllowance() throws Exception {
        MemoryStore store = new MemoryStore().unanswered(true);
        FakeTicker ticker = new FakeTicker();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, ticker)) {
            CompletableFuture<Void> locking = CompletableFuture.runAsync(() -> engine.lock("down").lock());
            assertThat(store.awaitAttempts(3, Duration.ofSeconds(10))).as("tries again while unanswered").isTrue();

            ticker.advance(LockStore.DEFAULT_OUTAGE_ALLOWANCE.minusMillis(1));
            assertKeepsTrying(store, locking);

            ticker.advance(Duration.ofMillis(1));
            assertThatThrownBy(() -> locking.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(LockUnavailableException.class)
                    .hasMessageContaining("too little of memory answered for PT30S (its outage allowance)")
                    .hasMessageContaining("memory is down");
        }
    }

    @Test
    void anAnsweredAttemptStartsTheOutageAllowanceAfresh() throws Exception {
        MemoryStore store = new MemoryStore().refusingWithRetryAfter(Duration.ofMillis(1)).unanswered(true);
        store.hold("flaky", HOLDER);
        FakeTicker ticker = new FakeTicker();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, ticker)) {
            CompletableFuture<Lease> waiting = engine.lock("flaky").acquireAsync(Duration.ofDays(1));
            assertThat(store.awaitAttempts(3, Duration.ofSeconds(10))).as("tries again while unanswered").isTrue();
            ticker.advance(LockStore.DEFAULT_OUTAGE_ALLOWANCE.minusMillis(1));

            store.unanswered(false);
            assertKeepsTrying(store, waiting);
            store.unanswered(true);
            assertKeepsTrying(store, waiting);
            ticker.advance(LockStore.DEFAULT_OUTAGE_ALLOWANCE.minusMillis(1));
            assertKeepsTrying(store, waiting);

            ticker.advance(Duration.ofMillis(1));
            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockUnavailableException.class);
        }
    }

    /** Three more attempts, and {@code acquisition} still on. */
    private static void assertKeepsTrying(MemoryStore store, CompletableFuture<?> acquisition) throws InterruptedException {
        assertThat(store.awaitAttempts(store.attemptCount() + 3, Duration.ofSeconds(10))).as("three more attempts").isTrue();
        assertThat(acquisition).isNotDone();
    }

    @Test
    void aLeasePastItsDeadlineDoesNotRefuseTheNextAcquisitionBeforeTheWatchdogReportsIt() throws Exception {
        MemoryStore store = new MemoryStore();
        FakeTicker ticker = new FakeTicker();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, ticker)) {
            Lease overrun = engine.lock("job").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(1)));
            // Past its deadline on the engine's clock; the watchdog's tick is a real second away.
            ticker.advance(Duration.ofSeconds(2));
            store.releaseUnannounced("job");

            try (Lease next = engine.lock("job").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(1)))) {
                assertThat(next.fencingToken()).isGreaterThan(overrun.fencingToken());
            }
            assertThat(overrun.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                    .as("the overrun lease was reported lost").isEqualTo(LockLostException.Reason.EXPIRED);
        }
    }

    /**
     * The watchdog signals an expiry (the lost future, the holder's interrupt) before it hands the
     * gate on: a watchdog thread descheduled in between must not keep the gate shut for the next
     * acquisition. The holder's interrupt, which blocks here, holds the watchdog in that step.
     */
    @Test
    void aLeaseWhoseLossIsStillBeingSignalledDoesNotRefuseTheNextAcquisition() throws Exception {
        MemoryStore store = new MemoryStore();
        CountDownLatch signalling = new CountDownLatch(1);
        CountDownLatch signalled = new CountDownLatch(1);
        AtomicInteger ended = new AtomicInteger();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            engine.addListener(new LockEvents() {
                @Override
                public void leaseEnded(String name) {
                    ended.incrementAndGet();
                }
            });
            Thread holder = new Thread(() -> engine.lock("job", LeaseOptions.fixed(Duration.ofMillis(100)).interruptHolderOnLoss()).lock()) {
                @Override
                public void interrupt() {
                    signalling.countDown();
                    awaitQuietly(signalled);
                    super.interrupt();
                }
            };
            holder.start();
            try {
                assertThat(signalling.await(10, TimeUnit.SECONDS)).as("the watchdog signalling the expiry").isTrue();
                store.releaseUnannounced("job");

                try (Lease next = engine.lock("job").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(1)))) {
                    assertThat(next.isValid()).isTrue();
                    assertThat(store.ownerOf("job")).as("the owner of the lock in the store, none before").isNotNull();
                }
            } finally {
                signalled.countDown();
                holder.join(10_000);
            }
            assertThat(ended).as("leases ended: the overrun one once, whichever thread ended it, and the next").hasValue(2);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aWaiterPollsAForeignHolderAndTakesTheLockSoonAfterItsUnannouncedRelease() throws Exception {
        MemoryStore store = new MemoryStore().refusingWithRetryAfter(Duration.ofHours(1)).keepingAliveEvery(Duration.ofHours(1));
        store.hold("mixed", "a-redis-py-token");
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            CompletableFuture<Lease> waiting = engine.lock("mixed").acquireAsync(Duration.ofHours(1));
            assertThat(store.awaitAttempts(5, Duration.ofSeconds(30)))
                    .as("tries again while the foreign client holds, though its lease has an hour left").isTrue();

            store.releaseUnannounced("mixed");

            try (Lease lease = waiting.get(30, TimeUnit.SECONDS)) {
                assertThat(lease.isValid()).isTrue();
            }
        }
    }

    @Test
    void theWatchdogKeepsRenewingAfterOneOfItsTicksFails() throws Exception {
        FailingTicker ticker = new FailingTicker();
        Duration lease = Duration.ofSeconds(1);
        try (LockEngine engine = new LockEngine(new MemoryStore(), DEFAULT_LEASE, ticker)) {
            ticker.failOnceOn("fencelock-renewer");
            try (Lease held = engine.lock("tick-failed").acquire(Duration.ZERO, LeaseOptions.renewing(lease))) {
                CompletableFuture<?> lost = held.lost().toCompletableFuture();
                assertThatThrownBy(() -> lost.get(lease.multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS))
                        .as("no loss for three leases").isInstanceOf(TimeoutException.class);
                assertThat(held.isValid()).as("renewed after the failed tick").isTrue();
                assertThat(ticker.hasFailed()).as("a tick failed").isTrue();
            }
        }
    }

    @Test
    void anAcquisitionThatFailsUnexpectedlyLeavesNoLeaseWithTheWatchdogAndGivesTheLockBack() {
        FailingTicker ticker = new FailingTicker();
        MemoryStore store = new MemoryStore();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, ticker)) {
            // Readings: the deadline, the attempt's send time, then the judging of the grant.
            ticker.failReading(3);

            assertThatThrownBy(() -> engine.lock("unexpected").acquire(Duration.ZERO))
                    .isInstanceOf(LockException.class)
                    .hasMessage("acquisition of lock 'unexpected' failed unexpectedly");
            assertThat(ticker.hasFailed()).isTrue();
            assertThat(engine.leasesWatched()).as("leases watched by the renewer").isZero();
            assertThat(engine.namesInUse()).as("names in use").isZero();
            assertThat(store.isLocked(LockKind.PLAIN, "unexpected").join()).as("the grant given back").isFalse();
        }
    }

    @Test
    void aThreadPollingTryLockWhileAnotherThreadHoldsTheLockLeavesNoTurnsBehind() throws Exception {
        try (LockEngine engine = new LockEngine(new MemoryStore(), DEFAULT_LEASE, Ticker.SYSTEM)) {
            try (Lease held = engine.lock("polled").acquire(Duration.ZERO)) {
                for (int i = 0; i < 1000; i++) {
                    assertThat(engine.lock("polled").tryAcquire()).as("poll %d", i).isEmpty();
                }
                assertThat(engine.localLock(LockKind.PLAIN, "polled").queuedTurns()).as("turns left at the gate").isZero();
            }
        }
    }

    @Test
    void aStoreThatThrowsInsteadOfFailingItsFutureFailsTheAcquisitionAndOpensTheGate() {
        MemoryStore store = new MemoryStore().throwingOnWatch(new IllegalStateException("broken store"));
        store.hold("thrown", HOLDER);
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            assertThatThrownBy(() -> engine.lock("thrown").acquire(Duration.ofSeconds(5)))
                    .isInstanceOf(IllegalStateException.class).hasMessage("broken store");
            assertThat(engine.namesInUse()).as("names in use after the failure").isZero();
            store.release(LockKind.PLAIN, "thrown", HOLDER, false);
            engine.lock("thrown").acquire(Duration.ZERO).close();
        }
    }

    @Test
    void anAcquisitionAbandonedWhileTheAttemptThatQueuedItIsOnItsWayLeavesTheQueue() throws Exception {
        MemoryStore store = new MemoryStore().withSemaphores();
        assertAWaiterAbandonedBeforeTheStepHeldLeavesTheQueue(store, store::holdingNextPermitAcquireReply);
    }

    @Test
    void anAcquisitionAbandonedWhileItsWatchIsOnItsWayLeavesTheQueue() throws Exception {
        // Refused and queued first, then watching before it tries again, as a plain lock's waiter on Redis.
        MemoryStore store = new MemoryStore().withSemaphores().watchingAfterARefusal();
        assertAWaiterAbandonedBeforeTheStepHeldLeavesTheQueue(store, store::holdingNextWatch);
    }

    /**
     * A waiter for the only permit is queued, and given up while the store holds back the step
     * {@code hold} names (the attempt's reply; the watch it subscribes before trying again): a step
     * that may never come (the client closing next) must not be what takes it off the queue.
     */
    private static void assertAWaiterAbandonedBeforeTheStepHeldLeavesTheQueue(MemoryStore store,
            Consumer<CompletableFuture<Void>> hold) throws Exception {
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            DistributedSemaphore semaphore = engine.semaphore("pool", 1);
            Lease holder = semaphore.acquire(Duration.ZERO);
            CompletableFuture<Void> held = new CompletableFuture<>();
            hold.accept(held);
            CompletableFuture<Lease> waiter = semaphore.acquireAsync(Duration.ofMinutes(1));
            DeadlinePoll.until(() -> store.permitQueue("pool").size() == 1);

            waiter.cancel(false);

            // The cancel reaches the engine on a callback thread.
            DeadlinePoll.until(() -> store.permitQueue("pool").isEmpty());
            held.complete(null);
            holder.close();
            assertThat(store.permitHolders("pool")).as("permits held once the held step came").isEmpty();
            assertThat(engine.namesInUse()).isZero();
        }
    }
}
