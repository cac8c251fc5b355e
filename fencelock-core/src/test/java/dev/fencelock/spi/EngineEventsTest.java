package dev.fencelock.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockEvents;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the engine tells its listeners, over a store in memory. */
class EngineEventsTest {
    private static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    /** Writes each event as one line, for assertions that read as the sequence they expect. */
    private static final class Recorder implements LockEvents {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch lost = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);
        final List<Boolean> renewals = new CopyOnWriteArrayList<>();
        final CountDownLatch renewed = new CountDownLatch(1);

        @Override
        public void acquisitionEnded(String name, Outcome outcome, Duration elapsed) {
            events.add("acquisition " + name + " " + outcome);
        }

        @Override
        public void leaseGranted(String name) {
            events.add("granted " + name);
        }

        @Override
        public void leaseEnded(String name) {
            events.add("ended " + name);
            ended.countDown();
        }

        @Override
        public void leaseLost(String name, LockLostException.Reason reason) {
            events.add("lost " + name + " " + reason);
            lost.countDown();
        }

        @Override
        public void renewalCompleted(int leases, Duration roundTrip, boolean answered) {
            renewals.add(answered);
            renewed.countDown();
        }
    }

    @Test
    void anAcquisitionIsReportedWithItsOutcomeAndAHeldLeaseEndsOnceItIsReleased() {
        MemoryStore store = new MemoryStore();
        store.hold("busy", "another-holder");
        Recorder recorder = new Recorder();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            engine.addListener(recorder);

            engine.lock("free").acquire(Duration.ZERO).close();
            assertThat(engine.lock("busy").tryAcquire()).isEmpty();

            assertThat(recorder.events).as("events in order").containsExactly(
                    "granted free", "acquisition free ACQUIRED", "ended free", "acquisition busy TIMED_OUT");
        }
    }

    @Test
    void aLeaseTakenOverIsReportedLostWithItsReasonAfterAnsweredRenewals() throws Exception {
        MemoryStore store = new MemoryStore();
        Recorder recorder = new Recorder();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            engine.addListener(recorder);
            Lease lease = engine.lock("taken").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(1)));

            store.hold("taken", "intruder");

            assertThat(recorder.lost.await(10, TimeUnit.SECONDS)).as("the loss reported within 10 s").isTrue();
            assertThat(recorder.ended.await(10, TimeUnit.SECONDS)).as("the end reported within 10 s").isTrue();
            // Reported once the renewal's leases are settled: after the end it found.
            assertThat(recorder.renewed.await(10, TimeUnit.SECONDS)).as("the renewal reported within 10 s").isTrue();
            // The loss comes on a callback thread, as the holder's own signal: in either order with the end.
            assertThat(recorder.events).as("events").containsExactlyInAnyOrder(
                    "granted taken", "acquisition taken ACQUIRED", "ended taken", "lost taken OWNER_CHANGED");
            assertThat(recorder.renewals).as("renewal calls, each answered").isNotEmpty().doesNotContain(false);
            lease.close();
            assertThat(recorder.events).as("no second end after releasing a lost lease").hasSize(4);
        }
    }

    @Test
    void anAcquisitionThatFailedOrThatTheStoreDidNotAnswerIsReportedSo() {
        MemoryStore store = new MemoryStore().throwingOnWatch(new IllegalStateException("broken store"));
        store.hold("busy", "another-holder");
        Recorder recorder = new Recorder();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            engine.addListener(recorder);
            assertThatThrownBy(() -> engine.lock("busy").acquire(Duration.ofSeconds(5))).hasMessage("broken store");

            store.unanswered(true);
            assertThatThrownBy(() -> engine.lock("down").tryAcquire()).isInstanceOf(LockUnavailableException.class);

            assertThat(recorder.events).as("events").containsExactly("acquisition busy FAILED", "acquisition down UNAVAILABLE");
        }
    }

    @Test
    void anAcquisitionAbandonedByItsCallerIsReportedAbandoned() throws Exception {
        MemoryStore store = new MemoryStore().keepingAliveEvery(Duration.ofHours(1));
        store.hold("held", "another-holder");
        Recorder recorder = new Recorder();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            engine.addListener(recorder);
            CompletableFuture<Lease> waiting = engine.lock("held").acquireAsync(Duration.ofHours(1));
            assertThat(store.awaitAttempts(2, Duration.ofSeconds(10))).as("a try, a watch, a try").isTrue();

            waiting.cancel(false);

            // Abandoned on a callback thread, as after orTimeout, which completes on the JDK's timer thread.
            DeadlinePoll.until(() -> !recorder.events.isEmpty());
            assertThat(recorder.events).as("events").containsExactly("acquisition held ABANDONED");
        }
    }

    @Test
    void aListenerThatThrowsNeitherBreaksTheLockNorSilencesTheOthersAndARemovedOneHearsNothing() {
        MemoryStore store = new MemoryStore();
        store.hold("busy", "another-holder");
        Recorder recorder = new Recorder();
        Recorder removed = new Recorder();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            engine.addListener(new LockEvents() {
                @Override
                public void acquisitionEnded(String name, Outcome outcome, Duration elapsed) {
                    throw new IllegalStateException("a broken listener");
                }
            });
            engine.addListener(recorder);
            engine.addListener(removed);
            engine.removeListener(removed);

            assertThatThrownBy(() -> engine.lock("busy").acquire(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);

            assertThat(recorder.events).as("heard after the broken one").containsExactly("acquisition busy TIMED_OUT");
            assertThat(removed.events).as("events of a removed listener").isEmpty();
        }
    }

    @Test
    void aListenerThatThrowsAnErrorAtAGrantDoesNotLeaveTheAcquisitionPending() {
        MemoryStore store = new MemoryStore();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            engine.addListener(new LockEvents() {
                @Override
                public void leaseGranted(String name) {
                    throw new AssertionError("a test listener's failed assertion");
                }
            });

            // A guard against a hang, not a timing assertion: the acquisition used to wait forever.
            Lease lease = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> engine.lock("granted").acquire(Duration.ZERO));

            assertThat(lease.isValid()).isTrue();
            lease.close();
            assertThat(store.ownerOf("granted")).as("the holder after the release").isNull();
        }
    }

    @Test
    void aListenerThatThrowsAnErrorAsALeaseRunsOutDoesNotStopTheWatchdog() throws Exception {
        try (LockEngine engine = new LockEngine(new MemoryStore(), DEFAULT_LEASE, Ticker.SYSTEM)) {
            engine.addListener(new LockEvents() {
                @Override
                public void leaseEnded(String name) {
                    throw new AssertionError("a test listener's failed assertion");
                }
            });
            Lease later = engine.lock("later").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(1)));
            Lease sooner = engine.lock("sooner").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(200)));

            // Nobody asks the leases: only the watchdog's ticks find them run out, each calling the
            // listener; a tick that died with it would leave the other lease unreported.
            CompletableFuture.allOf(sooner.lost().toCompletableFuture(), later.lost().toCompletableFuture())
                    .get(10, TimeUnit.SECONDS);
        }
    }
}
