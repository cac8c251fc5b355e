package dev.fencelock.spi;

import java.time.Duration;

/**
 * The latest moment a store has confirmed for all leases of a client ({@link
 * LeaseReports#confirmedFor}); none until the store reports one. Each lease ends at the earlier of
 * its own end and this one. It only moves later.
 */
final class StoreDeadline {
    private final Ticker ticker;
    // Guarded by this for writes; volatile for the lock-free reads of every validity check.
    private volatile boolean set;
    private volatile long at;

    StoreDeadline(Ticker ticker) {
        this.ticker = ticker;
    }

    synchronized void confirmedFor(Duration remaining) {
        long candidate = ticker.nanoTime() + remaining.toNanos();
        if (!set || candidate - at > 0) {
            at = candidate;
            set = true;
        }
    }

    /** The earlier of {@code expiresAt} and this deadline. */
    long cap(long expiresAt) {
        if (!set) {
            return expiresAt;
        }
        long deadline = at;
        return deadline - expiresAt < 0 ? deadline : expiresAt;
    }
}
