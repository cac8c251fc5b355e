package dev.fencelock.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 1 measured interleaved: one thread takes each system's lock+unlock in turn, round after
 * round, so that every system meets the same moments of the machine (a GC, another process's
 * burst) and the ratios between them are not the ratios of two quiet or busy stretches. Each
 * round starts with a different system, so none always follows the same one.
 */
final class Interleaved {
    /** Lock+unlock pairs of each system per measurement in the full run, after as many to warm up. */
    static final int ROUNDS = 5_000;

    private Interleaved() {}

    /**
     * The p50, p99 and p99.9 of each system's lock+unlock over {@code rounds}, and its ops/s in the
     * time it took itself, as rows of {@code scenario} named "{system} interleaved".
     */
    static List<Result> measure(int scenario, List<BenchSystem> systems, String lockName, int rounds) throws Exception {
        List<BenchLock> locks = systems.stream().map(system -> system.lock(lockName + ":" + system.name())).toList();
        List<LatencyRecorder> latencies = new ArrayList<>();
        systems.forEach(system -> latencies.add(new LatencyRecorder()));
        long[] spent = new long[systems.size()];
        for (int round = 0; round < 2 * rounds; round++) {
            for (int i = 0; i < locks.size(); i++) {
                int which = (round + i) % locks.size();
                BenchLock lock = locks.get(which);
                long start = System.nanoTime();
                lock.lock();
                lock.unlock();
                if (round >= rounds) {
                    long took = System.nanoTime() - start;
                    latencies.get(which).record(took);
                    spent[which] += took;
                }
            }
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < systems.size(); i++) {
            LatencyRecorder latency = latencies.get(i);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("ops_per_s", rounds / (spent[i] / 1e9));
            fields.put("p50_us", latency.percentileMicros(0.50));
            fields.put("p99_us", latency.percentileMicros(0.99));
            fields.put("p999_us", latency.percentileMicros(0.999));
            fields.put("rounds", rounds);
            results.add(new Result(scenario, systems.get(i).name() + " interleaved", fields));
        }
        return results;
    }
}
