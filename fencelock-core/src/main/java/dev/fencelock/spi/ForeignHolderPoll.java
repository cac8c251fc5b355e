package dev.fencelock.spi;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The waits between attempts while a foreign client holds the lock: nobody announces its release,
 * so the waiter polls instead of waiting out the holder's lease — {@link #FIRST} at first, doubling
 * to at most {@link #MAX}. Each wait is shortened at random by up to half, so that the waiters of
 * several clients do not poll in step: a long foreign hold costs two to four attempts a second per
 * waiting client and name. One per acquisition, used by one attempt at a time.
 */
final class ForeignHolderPoll {
    static final Duration FIRST = Duration.ofMillis(25);
    static final Duration MAX = Duration.ofMillis(500);

    private long boundNanos = FIRST.toNanos();

    /** The wait before the next attempt: jittered, and never longer than {@code capNanos}, the holder's lease left. */
    long nextDelayNanos(long capNanos) {
        long bound = boundNanos;
        boundNanos = Math.min(2 * bound, MAX.toNanos());
        long jittered = bound - ThreadLocalRandom.current().nextLong(bound / 2 + 1);
        return Math.min(jittered, capNanos);
    }
}
