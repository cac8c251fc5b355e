package dev.fencelock.spi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The system clock, which throws once on a chosen reading: a bug in a continuation of the renewer
 * or of an acquisition, injected where the engine reads its clock.
 */
final class FailingTicker implements Ticker {
    private final AtomicReference<String> failOnThread = new AtomicReference<>();
    private final AtomicInteger readingsBeforeFailure = new AtomicInteger(-1);
    private volatile boolean failed;

    /** Fails the next reading on a thread whose name starts with {@code threadNamePrefix}. */
    void failOnceOn(String threadNamePrefix) {
        failOnThread.set(threadNamePrefix);
    }

    /** Fails the {@code n}th reading from now, on whatever thread. */
    void failReading(int n) {
        readingsBeforeFailure.set(n - 1);
    }

    boolean hasFailed() {
        return failed;
    }

    @Override
    public long nanoTime() {
        String prefix = failOnThread.get();
        boolean fail = prefix != null && Thread.currentThread().getName().startsWith(prefix)
                && failOnThread.compareAndSet(prefix, null);
        fail |= readingsBeforeFailure.getAndUpdate(left -> left >= 0 ? left - 1 : left) == 0;
        if (fail) {
            failed = true;
            throw new IllegalStateException("a failure injected into " + Thread.currentThread().getName());
        }
        return System.nanoTime();
    }
}
