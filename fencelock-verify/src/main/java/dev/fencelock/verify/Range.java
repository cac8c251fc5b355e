package dev.fencelock.verify;

import java.time.Duration;
import java.util.Random;

/**
 * A span of durations to draw from, uniformly, with a seeded {@link Random}.
 *
 * @param min the shortest
 * @param max the longest, not shorter than {@code min}
 */
record Range(Duration min, Duration max) {

    Range {
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("max (" + max + ") must not be shorter than min (" + min + ")");
        }
    }

    /** {@code min × lease} to {@code max × lease}. */
    static Range ofLeases(Duration lease, double min, double max) {
        return new Range(Duration.ofMillis(Math.round(lease.toMillis() * min)), Duration.ofMillis(Math.round(lease.toMillis() * max)));
    }

    Duration pick(Random random) {
        long span = max.toMillis() - min.toMillis();
        return min.plusMillis(span == 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
    }
}
