package dev.fencelock.spi;

import static dev.fencelock.spi.DeadlinePoll.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockLostException;
import dev.fencelock.ReleaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The engine's multi-locks over a store in memory: what any store that holds them gets from the engine. */
class EngineMultiLockTest {
    private static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    private static final String HOLDER = OwnerTokens.PREFIX + "holder";
    private static final String OTHER = OwnerTokens.PREFIX + "other";

    @Test
    void aWaitingMultiLockTriesAgainAtTheReleaseOfTheNameThatRefusedItNotOfAnother() throws Exception {
        // No keep-alive and no retry time: only an announced release makes it try again.
        MemoryStore store = new MemoryStore().withMultiLocks().keepingAliveEvery(Duration.ofHours(1));
        store.hold("c", HOLDER);
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            CompletableFuture<Lease> waiting = engine.multiLock("a", "b", "c").acquireAsync(Duration.ofHours(1));
            assertThat(store.awaitAttempts(2, Duration.ofSeconds(10))).as("a try, a watch, a try").isTrue();
            // Before the watch knew which name refused, any name's release wakes it.
            store.hold("b", OTHER);
            store.release(LockKind.PLAIN, "b", OTHER, false);
            assertThat(store.awaitAttempts(3, Duration.ofSeconds(10))).as("a try after the release of b").isTrue();

            // Announced on this thread, as c's release below: a try it caused would come first.
            store.hold("a", OTHER);
            store.release(LockKind.PLAIN, "a", OTHER, false);
            assertThat(store.ownerOf("a")).as("a name not kept while waiting").isNull();

            store.release(LockKind.PLAIN, "c", HOLDER, false);
            try (Lease lease = waiting.get(10, TimeUnit.SECONDS)) {
                assertThat(store.attemptCount()).as("tries: none at the release of a, which did not refuse it").isEqualTo(4);
                String owner = store.ownerOf("a");
                assertThat(owner).startsWith(OwnerTokens.PREFIX);
                assertThat(List.of(store.ownerOf("b"), store.ownerOf("c"))).as("one owner of every name").containsOnly(owner);
                assertThat(lease.lockName()).isEqualTo("[a, b, c]");
            }
            assertThat(List.of("a", "b", "c")).allSatisfy(name -> assertThat(store.ownerOf(name)).isNull());
        }
    }

    @Test
    void oneNameTakenOverLosesTheLeaseAndTheOtherNamesAreGivenBack() throws Exception {
        MemoryStore store = new MemoryStore().withMultiLocks();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            Lease lease = engine.multiLock("a", "b").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(1)));
            store.hold("b", OTHER);

            LockLostException lost = lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(lost.reason()).isEqualTo(LockLostException.Reason.OWNER_CHANGED);
            until(() -> store.ownerOf("a") == null);
            assertThat(store.ownerOf("b")).as("the name taken over is not touched").isEqualTo(OTHER);
            assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
            assertThat(engine.leasesWatched()).isZero();
        }
    }

    @Test
    void theLockViewReentersAMultiLockPerThread() {
        MemoryStore store = new MemoryStore().withMultiLocks();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            var multi = engine.multiLock("a", "b");
            multi.lock();
            multi.lock();
            assertThat(store.attemptCount()).as("the store was asked once").isEqualTo(1);
            multi.unlock();
            assertThat(store.ownerOf("a")).isNotNull();
            multi.unlock();
            assertThat(store.ownerOf("a")).isNull();
            assertThat(engine.namesInUse()).isZero();
        }
    }

    @Test
    void aThreadHoldingOneOfTheNamesThroughTheLockViewIsRefusedAtOnceRatherThanWaitingForItself() {
        MemoryStore store = new MemoryStore().withMultiLocks();
        try (LockEngine engine = new LockEngine(store, DEFAULT_LEASE, Ticker.SYSTEM)) {
            var plain = engine.lock("b");
            plain.lock();
            try {
                assertThatThrownBy(() -> engine.multiLock("a", "b").lock()).isInstanceOf(IllegalMonitorStateException.class)
                        .hasMessageContaining("holds plain lock 'b' through lock()");
                assertThat(store.ownerOf("a")).isNull();
            } finally {
                plain.unlock();
            }
            engine.multiLock("a", "b").acquire(Duration.ZERO).close();
        }
    }
}
