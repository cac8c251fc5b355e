package dev.fencelock.bench;

import java.util.Arrays;

/** Latencies of one measurement, in nanoseconds, and what they add up to. */
final class LatencyRecorder {
    private long[] samples = new long[1 << 12];
    private int count;

    void record(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, samples.length * 2);
        }
        samples[count++] = nanos;
    }

    void addAll(LatencyRecorder other) {
        for (int i = 0; i < other.count; i++) {
            record(other.samples[i]);
        }
    }

    int count() {
        return count;
    }

    /** The {@code quantile} (0..1) in microseconds. */
    double percentileMicros(double quantile) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        return sorted[(int) Math.min(count - 1, Math.floor(quantile * count))] / 1_000.0;
    }
}
