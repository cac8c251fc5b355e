package dev.fencelock;

import java.time.Duration;

/**
 * What a {@link LockClient} reports about its work, for metrics: how acquisitions end and how long
 * they took, when leases start and end, why a lease was lost, and how long renewals take. Register
 * one with {@link LockClient#addListener}; every method does nothing unless overridden.
 *
 * <p>Called on the client's own threads (the watchdog, the store's I/O threads, the callback
 * threads), possibly concurrently: return quickly and never block. An exception thrown by a
 * listener is logged and ignored; it never changes the outcome of a lock operation.
 */
public interface LockEvents {

    /** How an acquisition ended. */
    enum Outcome {
        /** A lease was handed to the caller. */
        ACQUIRED,
        /** The lock stayed held by another owner until the wait ran out ({@link LockTimeoutException}). */
        TIMED_OUT,
        /** Too little of the store answered ({@link LockUnavailableException}). */
        UNAVAILABLE,
        /** The caller gave up first: cancelled, interrupted, or the client was closed. */
        ABANDONED,
        /** Any other failure (a bug, or a store that threw). */
        FAILED
    }

    /**
     * An acquisition ended, {@code elapsed} after it started: once per {@code acquire},
     * {@code tryAcquire}, {@code acquireAsync} or {@code Lock}-view lock that went to the store
     * (a reentrant hold of the {@code Lock} view does not).
     */
    default void acquisitionEnded(String name, Outcome outcome, Duration elapsed) {}

    /** A lease started to be held; {@link #leaseEnded} follows exactly once. */
    default void leaseGranted(String name) {}

    /** A lease that was held ended: released, or lost. */
    default void leaseEnded(String name) {}

    /**
     * A held lease was lost, for {@code reason}: once per lost lease, on a callback thread, as
     * the holder's own signal.
     */
    default void leaseLost(String name, LockLostException.Reason reason) {}

    /**
     * One renewal call to the store, covering {@code leases} leases, ended after
     * {@code roundTrip}: {@code answered} when the store replied (whatever it said about each
     * lease), false when the call failed or timed out, or too little of the store answered to tell
     * any lease's fate (a Redlock majority silent).
     */
    default void renewalCompleted(int leases, Duration roundTrip, boolean answered) {}
}
