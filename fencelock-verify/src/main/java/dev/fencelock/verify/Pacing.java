package dev.fencelock.verify;

import java.time.Duration;

/**
 * Waits out a span of time that is itself the experiment — how long a fault lasts, the gap
 * before the next one, the interval of a poll with a deadline — never as a stand-in for waiting
 * on an event that a latch or a future could signal.
 */
final class Pacing {
    private Pacing() {}

    /** Waits for {@code span}; an interrupt ends the wait and stays set. */
    static void pause(Duration span) {
        try {
            Thread.sleep(span.toMillis(), span.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Waits until the monotonic clock reaches {@code deadlineNanos}; returns at once if it has. */
    static void until(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            pause(Duration.ofNanos(left));
        }
    }
}
