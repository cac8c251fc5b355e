package dev.fencelock.bench;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockClientOptions;
import dev.fencelock.RedisLocks;
import dev.fencelock.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.curator.test.TestingServer;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/**
 * Fencelock against Redisson and Curator, on the same servers, in one run: a table on stdout and
 * {@code fencelock-bench/target/bench-results.json}. Systems alternate within each round (A B A B)
 * and each figure is the median over the rounds, so that a noisy machine does not decide.
 *
 * <p>Usage: {@code Benchmarks [--quick] [--out FILE]}.
 */
public final class Benchmarks {
    private final Settings settings;
    private final List<Result> results = new ArrayList<>();

    /** How long and how big: the quick mode for a smoke check, the full mode for BENCHMARKS.md. */
    record Settings(int rounds, Duration measure, int leases, Duration leaseWindow, Duration renewLease, int waiters) {
        static final Settings QUICK = new Settings(3, Duration.ofMillis(700), 2_000, Duration.ofSeconds(6), Duration.ofSeconds(3), 100);
        static final Settings FULL = new Settings(5, Duration.ofSeconds(4), 10_000, Duration.ofSeconds(60), Duration.ofSeconds(30), 1_000);
        static final Settings SMOKE = new Settings(1, Duration.ofMillis(100), 50, Duration.ofMillis(1500), Duration.ofMillis(600), 10);
    }

    Benchmarks(Settings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.FULL;
        Path out = Path.of("fencelock-bench", "target", "bench-results.json");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> settings = Settings.QUICK;
                case "--smoke" -> settings = Settings.SMOKE;
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: Benchmarks [--quick] [--out FILE]");
                    System.exit(64);
                }
            }
        }
        long start = System.nanoTime();
        List<Result> results = new Benchmarks(settings).run();
        writeJson(results, out);
        System.out.println(table(results));
        System.out.printf(Locale.ROOT, "wrote %s in %.0f s%n", out, (System.nanoTime() - start) / 1e9);
        System.exit(0); // Redisson and Curator leave non-daemon threads behind
    }

    List<Result> run() throws Exception {
        try (RedisServer redis = RedisServer.start();
                Masters masters = new Masters(5);
                TestingServer zookeeper = new TestingServer(true)) {
            String uri = redis.uri();
            List<Supplier<BenchSystem>> single = List.of(
                    () -> Systems.ping(uri), () -> Systems.lettuceSetNx(uri), () -> Systems.fencelock(uri),
                    () -> Systems.redisson(uri, Duration.ofSeconds(30)), () -> Systems.curator(zookeeper.getConnectString()));
            List<BenchSystem> systems = new ArrayList<>();
            try {
                for (Supplier<BenchSystem> system : single) {
                    systems.add(system.get());
                }
                measure(1, systems, 1, name -> "uncontended");
                measure(2, systems.subList(1, systems.size()), 16, name -> name);
                measure(3, systems.subList(1, systems.size()), 16, name -> "contended");
            } finally {
                for (BenchSystem system : systems) {
                    system.close();
                }
            }
            try (BenchSystem fencelockRedlock = Systems.fencelockRedlock(masters.uris());
                    BenchSystem redissonRedlock = Systems.redissonRedlock(masters.uris())) {
                measure(4, List.of(fencelockRedlock, redissonRedlock), 1, name -> "redlock");
            }
            heldLeases(redis);
            waitersPerHandoff(redis);
        }
        return results;
    }

    /**
     * Lock+unlock in a loop on {@code threads} threads for the measurement time, every system in
     * every round; {@code lockName} maps a thread's name to its lock's name.
     */
    private void measure(int scenario, List<BenchSystem> systems, int threads,
            UnaryOperator<String> lockName) throws Exception {
        Map<String, List<Map<String, Double>>> rounds = new LinkedHashMap<>();
        for (int round = 0; round < settings.rounds(); round++) {
            for (BenchSystem system : systems) {
                rounds.computeIfAbsent(system.name(), n -> new ArrayList<>()).add(loop(system, threads, lockName));
            }
        }
        rounds.forEach((system, figures) -> results.add(Result.median(scenario, system, figures)));
    }

    private Map<String, Double> loop(BenchSystem system, int threads, UnaryOperator<String> lockName)
            throws Exception {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<LatencyRecorder> recorders = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long[] window = new long[2];
        for (int t = 0; t < threads; t++) {
            LatencyRecorder recorder = new LatencyRecorder();
            recorders.add(recorder);
            BenchLock lock = system.lock("bench:" + lockName.apply("t" + t));
            Thread worker = new Thread(() -> {
                try {
                    // Warm up: connections, scripts, JIT.
                    for (int i = 0; i < 200; i++) {
                        lock.lock();
                        lock.unlock();
                    }
                    ready.countDown();
                    go.await();
                    while (System.nanoTime() < window[1]) {
                        long start = System.nanoTime();
                        lock.lock();
                        lock.unlock();
                        recorder.record(System.nanoTime() - start);
                    }
                } catch (Exception e) {
                    failure.set(e);
                    ready.countDown();
                }
            }, system.name() + "-" + t);
            workers.add(worker);
            worker.start();
        }
        ready.await();
        window[0] = System.nanoTime();
        window[1] = window[0] + settings.measure().toNanos();
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(system.name() + " failed", failure.get());
        }
        LatencyRecorder all = new LatencyRecorder();
        recorders.forEach(all::addAll);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("ops_per_s", all.count() / ((System.nanoTime() - window[0]) / 1e9));
        figures.put("p50_us", all.percentileMicros(0.50));
        figures.put("p99_us", all.percentileMicros(0.99));
        figures.put("p999_us", all.percentileMicros(0.999));
        return figures;
    }

    /** Scenario 5: many leases held under the watchdog; renewal commands per second and heap per lease. */
    private void heldLeases(RedisServer redis) throws Exception {
        int count = settings.leases();
        Duration lease = settings.renewLease();
        try (LockClient fencelock = RedisLocks.connect(LockClientOptions.builder(redis.uri())
                .defaultLease(lease).commandTimeout(lease.dividedBy(4).compareTo(Duration.ofSeconds(2)) < 0
                        ? lease.dividedBy(4) : Duration.ofSeconds(2)).build())) {
            List<Lease> held = new ArrayList<>();
            results.add(leaseFigures("fencelock", redis, count,
                    () -> {
                        for (int i = 0; i < count; i++) {
                            held.add(fencelock.lock("lease:" + i).acquire(Duration.ZERO, LeaseOptions.renewing(lease)));
                        }
                    },
                    () -> held.forEach(Lease::close)));
        }
        RedissonClient redisson = Systems.redissonClient(redis.uri(), lease);
        try {
            List<RLock> held = new ArrayList<>();
            results.add(leaseFigures("redisson", redis, count,
                    () -> {
                        for (int i = 0; i < count; i++) {
                            RLock lock = redisson.getLock("lease:" + i);
                            lock.lock();
                            held.add(lock);
                        }
                    },
                    () -> held.forEach(RLock::unlock)));
        } finally {
            redisson.shutdown();
        }
    }

    private Result leaseFigures(String system, RedisServer redis, int count, Runnable acquireAll, Runnable releaseAll)
            throws InterruptedException {
        long before = usedHeap();
        acquireAll.run();
        long after = usedHeap();
        redis.resetStats();
        long start = System.nanoTime();
        Thread.sleep(settings.leaseWindow().toMillis()); // the measured window itself
        long calls = topLevelCommands(redis);
        double seconds = (System.nanoTime() - start) / 1e9;
        releaseAll.run();
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("leases", (double) count);
        figures.put("renewal_commands_per_s", calls / seconds);
        figures.put("heap_bytes_per_lease", (after - before) / (double) count);
        return Result.of(5, system, figures);
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /** Scenario 6: many threads wait for one lock; Redis commands per hand-off. */
    private void waitersPerHandoff(RedisServer redis) throws Exception {
        try (BenchSystem fencelock = Systems.fencelock(redis.uri())) {
            results.add(handoffs(fencelock, redis));
        }
        try (BenchSystem redisson = Systems.redisson(redis.uri(), Duration.ofSeconds(30))) {
            results.add(handoffs(redisson, redis));
        }
    }

    private Result handoffs(BenchSystem system, RedisServer redis) throws Exception {
        int waiters = settings.waiters();
        BenchLock holder = system.lock("herd");
        holder.lock();
        CountDownLatch started = new CountDownLatch(waiters);
        CountDownLatch done = new CountDownLatch(waiters);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            BenchLock lock = system.lock("herd");
            Thread thread = new Thread(() -> {
                started.countDown();
                try {
                    lock.lock();
                    lock.unlock();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            });
            threads.add(thread);
            thread.start();
        }
        started.await();
        Thread.sleep(500); // every waiter has made its first try and is waiting
        redis.resetStats();
        long start = System.nanoTime();
        holder.unlock();
        if (!done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException(system.name() + ": waiters did not finish");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long calls = topLevelCommands(redis);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("waiters", (double) waiters);
        figures.put("commands_per_handoff", calls / (double) waiters);
        figures.put("handoffs_per_s", waiters / seconds);
        return Result.of(6, system.name(), figures);
    }

    /**
     * The commands clients sent since the last reset. Both libraries do every lock operation in
     * Lua, and Redis counts the commands a script runs as calls too, so those are left out: the
     * scripts themselves, pub/sub and PING are what crossed the network.
     */
    static long topLevelCommands(RedisServer redis) {
        return redis.commandCalls().entrySet().stream()
                .filter(e -> TOP_LEVEL.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
    }

    private static final java.util.Set<String> TOP_LEVEL = java.util.Set.of(
            "eval", "evalsha", "eval_ro", "evalsha_ro", "subscribe", "unsubscribe", "psubscribe",
            "punsubscribe", "ssubscribe", "sunsubscribe", "ping");

    static String table(List<Result> results) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-3s %-18s %s%n", "#", "system", "figures"));
        for (Result result : results) {
            out.append(String.format(Locale.ROOT, "%-3d %-18s %s%n", result.scenario(), result.system(),
                    result.note() != null ? "skipped: " + result.note()
                            : result.figures().entrySet().stream()
                                    .map(e -> e.getKey() + "=" + String.format(Locale.ROOT, "%.1f", e.getValue()))
                                    .collect(Collectors.joining("  "))));
        }
        return out.toString();
    }

    /** The five independent masters of the Redlock scenario. */
    private static final class Masters implements AutoCloseable {
        private final List<RedisServer> servers = new ArrayList<>();

        Masters(int count) {
            for (int i = 0; i < count; i++) {
                servers.add(RedisServer.start());
            }
        }

        List<String> uris() {
            return servers.stream().map(RedisServer::uri).toList();
        }

        @Override
        public void close() {
            servers.forEach(RedisServer::close);
        }
    }

    static Path writeJson(List<Result> results, Path out) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        return Files.writeString(out, results.stream().map(Result::json).collect(Collectors.joining(",\n  ", "[\n  ", "\n]\n")));
    }
}
