package dev.fencelock.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * Scenarios 1–4: lock+unlock in a timed loop on some threads. Every system runs once per round,
 * in turn (A B C, B C A, …: each also takes each place in the order), and each figure is the
 * median over the rounds.
 */
final class LockLoop {
    /**
     * Lock+unlock pairs each thread does before the measurement (connections, scripts, JIT), or
     * fewer if they take longer than {@link #warmUpNanos()}: under contention, a slow system
     * would otherwise spend most of a quick run warming up.
     */
    private static final int WARM_UP = 200;

    private final Settings settings;
    private final ProcessCpu cpu;

    LockLoop(Settings settings, ProcessCpu cpu) {
        this.settings = settings;
        this.cpu = cpu;
    }

    /**
     * Measures {@code systems} on {@code threads} threads; thread {@code t} locks the name
     * {@code lockName.apply(t)}. With {@code handoffs}, also the time from a release to the
     * acquisition of a thread that was already waiting when the release began.
     */
    List<Result> measure(int scenario, List<BenchSystem> systems, int threads, IntFunction<String> lockName,
            boolean handoffs) throws Exception {
        Map<String, List<Map<String, Double>>> rounds = new LinkedHashMap<>();
        systems.forEach(system -> rounds.put(system.name(), new ArrayList<>()));
        for (int round = 0; round < settings.rounds(); round++) {
            for (int i = 0; i < systems.size(); i++) {
                BenchSystem system = systems.get((round + i) % systems.size());
                System.gc(); // the previous system's garbage is not this one's pause
                rounds.get(system.name()).add(loop(system, threads, lockName, handoffs));
            }
        }
        List<Result> results = new ArrayList<>();
        rounds.forEach((system, figures) -> results.add(Result.median(scenario, system, figures,
                Map.of("threads", threads))));
        return results;
    }

    /** Half the measurement, at most a second. */
    private long warmUpNanos() {
        return Math.min(settings.measure().toNanos() / 2, 1_000_000_000L);
    }

    private Map<String, Double> loop(BenchSystem system, int threads, IntFunction<String> lockName, boolean handoffs)
            throws Exception {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Exception> failure = new AtomicReference<>();
        // Written by the holder just before it releases, read by the next holder: the lock itself
        // orders the two (a lock that broke mutual exclusion would show as nonsense here).
        AtomicLong releaseStartedAt = new AtomicLong(Long.MIN_VALUE);
        long[] window = new long[2];
        long warmUpEnds = System.nanoTime() + warmUpNanos();
        List<LatencyRecorder> latencies = new ArrayList<>();
        List<LatencyRecorder> handoffLatencies = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            LatencyRecorder latency = new LatencyRecorder();
            LatencyRecorder handoff = new LatencyRecorder();
            latencies.add(latency);
            handoffLatencies.add(handoff);
            BenchLock lock = system.lock("bench:" + lockName.apply(t));
            Thread worker = new Thread(() -> {
                try {
                    for (int i = 0; i < WARM_UP && System.nanoTime() - warmUpEnds < 0; i++) {
                        lock.lock();
                        lock.unlock();
                    }
                    ready.countDown();
                    go.await();
                    while (System.nanoTime() - window[1] < 0) {
                        long start = System.nanoTime();
                        lock.lock();
                        long acquired = System.nanoTime();
                        long released = releaseStartedAt.get();
                        if (handoffs && released - start > 0) {
                            handoff.record(acquired - released);
                        }
                        releaseStartedAt.set(System.nanoTime());
                        lock.unlock();
                        latency.record(System.nanoTime() - start);
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                }
            }, system.name() + "-" + t);
            workers.add(worker);
            worker.start();
        }
        ready.await();
        ProcessCpu.Sample cpuBefore = cpu.sample();
        window[0] = System.nanoTime();
        window[1] = window[0] + settings.measure().toNanos();
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        double seconds = (System.nanoTime() - window[0]) / 1e9;
        ProcessCpu.Sample cpuAfter = cpu.sample();
        if (failure.get() != null) {
            throw new IllegalStateException(system.name() + " failed", failure.get());
        }
        LatencyRecorder all = LatencyRecorder.merge(latencies);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("ops_per_s", all.count() / seconds);
        figures.put("p50_us", all.percentileMicros(0.50));
        figures.put("p99_us", all.percentileMicros(0.99));
        figures.put("p999_us", all.percentileMicros(0.999));
        cpuAfter.perOperationSince(cpuBefore, all.count(), figures);
        if (handoffs) {
            LatencyRecorder handoff = LatencyRecorder.merge(handoffLatencies);
            figures.put("handoff_p50_us", handoff.percentileMicros(0.50));
            figures.put("handoff_p99_us", handoff.percentileMicros(0.99));
            figures.put("handoff_p999_us", handoff.percentileMicros(0.999));
        }
        return figures;
    }
}
