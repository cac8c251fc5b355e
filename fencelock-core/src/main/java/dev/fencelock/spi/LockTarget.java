package dev.fencelock.spi;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What one lock is in the store, and the store calls that take, watch and give it back: one name
 * of one kind ({@link Single}), a permit of a semaphore ({@link Permit}), or several names taken
 * together ({@link MultiLockTarget}). The
 * engine's acquisition, watchdog and release run the same for both; only these calls differ. The
 * engine keeps the in-process state of a lock per target, so targets are values.
 */
interface LockTarget {

    LockKind kind();

    /** The lock's name, or for several names a description of them, for messages and events. */
    String name();

    /** The names it holds in the store, each renewed as a lease of {@link #kind()}. */
    List<String> names();

    /** Tries once to take the lock (see {@link LockStore#acquire}). */
    CompletableFuture<Attempt> acquire(LockStore store, String owner, Duration lease, boolean waiting, String alongside);

    /** Gives the lock back where it still holds {@code owner} (see {@link LockStore#release}). */
    CompletableFuture<Released> release(LockStore store, String owner, boolean requeue);

    /**
     * Gives the lock back as {@link #release} does, and may pass it to one of {@code waiters}
     * (see {@link LockStore#releasePermit}); only a permit is passed on.
     */
    default CompletableFuture<Released> releasePassing(LockStore store, String owner, List<PermitWaiter> waiters) {
        return release(store, owner, false);
    }

    /** Starts watching the releases that may let the acquisition of {@code owner} in. */
    CompletableFuture<ReleaseWatch> watch(LockStore store, String owner);

    /**
     * Tells {@code watch} (opened by {@link #watch}) which release to wait for after {@code refused}.
     * Nothing to do for one name.
     */
    default void refused(ReleaseWatch watch, Attempt.Refused refused) {}

    /** Takes the acquisition of {@code owner} off the store's waiter queues (see {@link LockStore#stopWaiting}). */
    void stopWaiting(LockStore store, String owner);

    /** Whether anyone holds the lock, or for several names any of them (see {@link LockStore#isLocked}). */
    CompletableFuture<Boolean> isLocked(LockStore store);

    /** The leases to renew for the lease of {@code owner}: one per name. */
    default List<HeldLease> held(String owner, Duration lease) {
        return names().stream().map(name -> new HeldLease(kind(), name, owner, lease)).toList();
    }

    /** One name of one kind: each call goes to the store as it is. */
    record Single(LockKind kind, String name) implements LockTarget {

        @Override
        public List<String> names() {
            return List.of(name);
        }

        @Override
        public CompletableFuture<Attempt> acquire(LockStore store, String owner, Duration lease, boolean waiting,
                String alongside) {
            return store.acquire(kind, name, owner, lease, waiting, alongside);
        }

        @Override
        public CompletableFuture<Released> release(LockStore store, String owner, boolean requeue) {
            return store.release(kind, name, owner, requeue);
        }

        @Override
        public CompletableFuture<ReleaseWatch> watch(LockStore store, String owner) {
            return store.watch(kind, name, owner);
        }

        @Override
        public void stopWaiting(LockStore store, String owner) {
            store.stopWaiting(kind, name, owner);
        }

        @Override
        public CompletableFuture<Boolean> isLocked(LockStore store) {
            return store.isLocked(kind, name);
        }

        @Override
        public List<HeldLease> held(String owner, Duration lease) {
            return List.of(new HeldLease(kind, name, owner, lease));
        }
    }

    /**
     * A permit of the semaphore {@code name} of {@code permits}: taken with {@link LockStore#acquirePermit},
     * which carries the count; every other call is that of the name as a {@link LockKind#PERMIT}.
     */
    record Permit(String name, int permits) implements LockTarget {

        @Override
        public LockKind kind() {
            return LockKind.PERMIT;
        }

        @Override
        public List<String> names() {
            return List.of(name);
        }

        @Override
        public CompletableFuture<Attempt> acquire(LockStore store, String owner, Duration lease, boolean waiting,
                String alongside) {
            return store.acquirePermit(name, permits, owner, lease, waiting);
        }

        @Override
        public CompletableFuture<Released> release(LockStore store, String owner, boolean requeue) {
            return single().release(store, owner, requeue);
        }

        @Override
        public CompletableFuture<Released> releasePassing(LockStore store, String owner, List<PermitWaiter> waiters) {
            return store.releasePermit(name, owner, waiters);
        }

        @Override
        public CompletableFuture<ReleaseWatch> watch(LockStore store, String owner) {
            return single().watch(store, owner);
        }

        @Override
        public void stopWaiting(LockStore store, String owner) {
            single().stopWaiting(store, owner);
        }

        @Override
        public CompletableFuture<Boolean> isLocked(LockStore store) {
            return single().isLocked(store);
        }

        private Single single() {
            return new Single(LockKind.PERMIT, name);
        }
    }
}
