package dev.fencelock.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in tests without sleeping as synchronization: a condition polled until a deadline. */
public final class Poll {
    private static final long INTERVAL_MILLIS = 10;

    private Poll() {}

    /** Polls {@code condition} until it holds; fails naming {@code what} if it does not within {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + timeout);
            }
            Thread.sleep(INTERVAL_MILLIS);
        }
    }

    /**
     * Runs {@code check} repeatedly for {@code duration}: for claims about time itself, such as a
     * lease that must stay held for three times its length.
     */
    public static void throughout(Duration duration, Runnable check) throws InterruptedException {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            check.run();
            Thread.sleep(INTERVAL_MILLIS * 5);
        }
        check.run();
    }
}
