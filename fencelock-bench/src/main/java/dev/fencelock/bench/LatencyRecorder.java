package dev.fencelock.bench;

import java.util.Arrays;
import java.util.List;

/** Latencies of one measurement, in nanoseconds, kept whole and sorted for percentiles. Not thread-safe. */
final class LatencyRecorder {
    private long[] samples = new long[1 << 12];
    private int count;

    void record(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, samples.length * 2);
        }
        samples[count++] = nanos;
    }

    /** The samples of all {@code recorders} in one, once their threads are done. */
    static LatencyRecorder merge(List<LatencyRecorder> recorders) {
        LatencyRecorder all = new LatencyRecorder();
        for (LatencyRecorder recorder : recorders) {
            for (int i = 0; i < recorder.count; i++) {
                all.record(recorder.samples[i]);
            }
        }
        return all;
    }

    int count() {
        return count;
    }

    /** The {@code quantile} (0..1) in microseconds, nearest rank; NaN without samples. */
    double percentileMicros(double quantile) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(quantile * count) - 1;
        return sorted[Math.max(0, Math.min(count - 1, rank))] / 1_000.0;
    }
}
