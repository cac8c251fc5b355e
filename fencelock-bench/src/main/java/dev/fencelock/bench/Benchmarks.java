package dev.fencelock.bench;

import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.ZooKeeperServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Fencelock against Redisson and Curator, on the same servers, in one run: a table on stdout and
 * {@code fencelock-bench/target/bench-results.json}, one object per scenario and system.
 *
 * <p>Servers: one {@code redis-server} for the single-server systems, five for Redlock, and one
 * standalone ZooKeeper in a JVM of its own for Curator (and Fencelock on ZooKeeper), all started by
 * the test kit on free loopback ports.
 * Systems alternate within each round (A B, then B A) and each figure is the median over the
 * rounds, so that a noisy moment does not decide a ratio.
 *
 * <p>Run it with {@code ./fencelock-bench/run [--quick]}; {@code --help} lists the options.
 */
public final class Benchmarks {
    /** Scenario 4's row of Fencelock with one of the five masters frozen. */
    static final String FROZEN_MASTER = "fencelock, 1 master SIGSTOPped";
    static final List<String> SYSTEMS = List.of("ping", "lettuce-setnx", "fencelock", "redisson", "curator", "fencelock-zookeeper",
            "redisson-redlock");
    /** Scenario 3's row of Fencelock's fair lock, measured beside the plain locks. */
    static final String FENCELOCK_FAIR = "fencelock fair lock";
    /** The systems that lock on ZooKeeper, in scenarios 1-3 and 6. */
    private static final List<String> ZOOKEEPER_SYSTEMS = List.of("curator", "fencelock-zookeeper");
    private static final List<Integer> SCENARIOS = List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
    /** Scenario 10: the permits of the one semaphore that all threads share. */
    static final int SEMAPHORE_PERMITS = 4;
    private static final String USAGE = """
            usage: fencelock-bench/run [--quick | --full] [--scenarios 1,2,...] [--systems fencelock,redisson,...] [--out FILE]
              --quick      3 short rounds, fewer leases: about 2.5 minutes, for a smoke check
              --full       5 rounds of 4 s, 10,000 leases held 60 s, 1,000 waiters (the default; under 15 minutes)
              --scenarios  only these scenarios (1-13; 3: also Fencelock's fair lock; 7-9: the fair and the read-write
                           lock; 10: the semaphore; 11, 12: multi-locks; 13: Redis Cluster)
              --systems    only these systems (%s)
              --out        where the JSON goes (default fencelock-bench/target/bench-results.json)
            """.formatted(String.join(", ", SYSTEMS));

    private final Settings settings;
    private final Set<Integer> scenarios;
    private final Set<String> systems;
    private final List<Result> results = new ArrayList<>();
    private final long startedAt = System.nanoTime();
    private String redisVersion = "?";

    Benchmarks(Settings settings, Set<Integer> scenarios, Set<String> systems) {
        this.settings = settings;
        this.scenarios = scenarios;
        this.systems = systems;
    }

    Benchmarks(Settings settings) {
        this(settings, Set.copyOf(SCENARIOS), Set.copyOf(SYSTEMS));
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.FULL;
        Path out = Files.isDirectory(Path.of("fencelock-bench")) ? Path.of("fencelock-bench", "target", "bench-results.json")
                : Path.of("target", "bench-results.json");
        Set<Integer> scenarios = new LinkedHashSet<>(SCENARIOS);
        Set<String> systems = new LinkedHashSet<>(SYSTEMS);
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> settings = Settings.QUICK;
                    case "--full" -> settings = Settings.FULL;
                    case "--smoke" -> settings = Settings.SMOKE;
                    case "--out" -> out = Path.of(value(args, ++i, "--out"));
                    case "--scenarios" -> scenarios = scenarios(value(args, ++i, "--scenarios"));
                    case "--systems" -> systems = systems(value(args, ++i, "--systems"));
                    case "--help", "-h" -> {
                        System.out.print(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(64);
        }
        String loadAtStart = Report.loadAverage();
        // Other processes on the machine skew every figure: the highest load seen is printed with
        // the results (the benchmark's own threads and servers count too, about 2 on 2 cores).
        DoubleAccumulator maxLoad = new DoubleAccumulator(Math::max, 0);
        maxLoad.accumulate(Report.oneMinuteLoad());
        Thread sampler = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException e) {
                    return;
                }
                maxLoad.accumulate(Report.oneMinuteLoad());
            }
        }, "bench-load-sampler");
        sampler.setDaemon(true);
        sampler.start();
        Benchmarks benchmarks = new Benchmarks(settings, scenarios, systems);
        List<Result> results = benchmarks.run();
        Report.writeJson(results, out);
        System.out.println();
        System.out.println(Report.environment(settings, benchmarks.redisVersion, loadAtStart));
        System.out.println();
        System.out.println(Report.tables(results, settings));
        System.out.println("Targets of issues 5, 13, 14, 18 and 20 (ratios of this run; reported, never enforced):");
        System.out.println();
        System.out.println(Report.targets(results));
        System.out.printf(Locale.ROOT, "wrote %s in %.0f s; load average at end %s, highest 1-minute load seen %.2f%n", out,
                (System.nanoTime() - benchmarks.startedAt) / 1e9, Report.loadAverage(), maxLoad.get());
        System.exit(0); // Redisson and Curator leave non-daemon threads behind
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static Set<Integer> scenarios(String list) {
        Set<Integer> chosen = new LinkedHashSet<>();
        for (String item : list.split(",")) {
            try {
                int scenario = Integer.parseInt(item.trim());
                if (!SCENARIOS.contains(scenario)) {
                    throw new NumberFormatException();
                }
                chosen.add(scenario);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--scenarios takes " + SCENARIOS + ", got '" + item + "'");
            }
        }
        return chosen;
    }

    private static Set<String> systems(String list) {
        Set<String> chosen = new LinkedHashSet<>();
        for (String item : list.split(",")) {
            if (!SYSTEMS.contains(item.trim())) {
                throw new IllegalArgumentException("--systems takes " + String.join(", ", SYSTEMS) + ", got '" + item + "'");
            }
            chosen.add(item.trim());
        }
        return chosen;
    }

    /** Runs the chosen scenarios and returns their rows, in the order of the scenarios. */
    List<Result> run() throws Exception {
        boolean onZooKeeper = !chosen(ZOOKEEPER_SYSTEMS.toArray(String[]::new)).isEmpty()
                && (scenarios.contains(1) || scenarios.contains(2) || scenarios.contains(3) || scenarios.contains(6));
        try (RedisServer redis = RedisServer.start(); ZooKeeperServer zookeeper = onZooKeeper ? ZooKeeperServer.start() : null) {
            redisVersion = redisVersion(redis);
            if (scenarios.contains(1) || scenarios.contains(2) || scenarios.contains(3)) {
                singleServer(redis, zookeeper);
            }
            if (scenarios.contains(4)) {
                redlock();
            }
            if (scenarios.contains(5)) {
                progress("scenario 5: " + settings.leaseSteps().stream().map(step -> step.leases() + " leases for "
                        + step.window().toSeconds() + " s").collect(Collectors.joining(", then ")));
                results.addAll(new HeldLeases(settings, redis).measure(chosen("fencelock", "redisson")));
            }
            if (scenarios.contains(6)) {
                waiters(6, "plain lock", settings.waiterSteps(), chosen("fencelock", "redisson"),
                        name -> name.equals("fencelock") ? Systems.fencelock(redis.uri()) : Systems.redisson(redis.uri()),
                        () -> ServerRequests.of(redis));
                if (zookeeper != null) {
                    waiters(6, "plain lock on ZooKeeper", settings.waiterSteps(), chosen(ZOOKEEPER_SYSTEMS.toArray(String[]::new)),
                            name -> onZooKeeper(name, zookeeper), () -> ServerRequests.of(zookeeper));
                }
            }
            if (scenarios.contains(7)) {
                waiters(7, "fair lock", settings.fairSteps(), chosen("fencelock", "redisson"),
                        name -> name.equals("fencelock") ? Systems.fencelockFair(redis.uri()) : Systems.redissonFair(redis.uri()),
                        () -> ServerRequests.of(redis));
            }
            if (scenarios.contains(8) || scenarios.contains(9)) {
                readWrite(redis);
            }
            if (scenarios.contains(10)) {
                semaphore(redis);
            }
            multiLock(11, 3, redis);
            multiLock(12, 10, redis);
        }
        if (scenarios.contains(ClusterBus.SCENARIO)) {
            List<String> names = chosen("fencelock", "redisson");
            if (!names.isEmpty()) {
                progress("scenario 13: bus messages per release on clusters of " + settings.clusterMasters() + " masters, "
                        + "hand-offs on " + settings.handoffMasters() + ": " + String.join(", ", names));
                results.addAll(new ClusterBus(settings).measure(names, Systems::cluster));
            }
        }
        progress("done");
        return results;
    }

    /** A system that locks on ZooKeeper, by name. */
    private static BenchSystem onZooKeeper(String name, ZooKeeperServer zookeeper) {
        return switch (name) {
            case "curator" -> Systems.curator(zookeeper.connectString());
            case "fencelock-zookeeper" -> Systems.fencelockZooKeeper(zookeeper.connectString());
            default -> throw new IllegalStateException(name);
        };
    }

    /**
     * Scenarios 1-3, on one Redis server and one ZooKeeper server: every system's client is opened
     * once and used in every round.
     */
    private void singleServer(RedisServer redis, ZooKeeperServer zookeeper) throws Exception {
        List<BenchSystem> open = new ArrayList<>();
        try {
            String uri = redis.uri();
            for (String name : chosen("ping", "lettuce-setnx", "fencelock", "redisson")) {
                open.add(switch (name) {
                    case "ping" -> Systems.ping(uri);
                    case "lettuce-setnx" -> Systems.lettuceSetNx(uri);
                    case "fencelock" -> Systems.fencelock(uri);
                    case "redisson" -> Systems.redisson(uri);
                    default -> throw new IllegalStateException(name);
                });
            }
            for (String name : chosen(ZOOKEEPER_SYSTEMS.toArray(String[]::new))) {
                open.add(onZooKeeper(name, zookeeper));
            }
            List<BenchSystem> locks = open.stream().filter(system -> !system.name().equals("ping")).toList();
            ProcessCpu cpu = zookeeper == null ? ProcessCpu.of(redis.pid()) : ProcessCpu.of(redis.pid(), zookeeper.pid());
            loop(1, open, cpu, 1, thread -> "uncontended", false);
            interleaved(uri, open);
            loop(2, locks, cpu, settings.threads(), thread -> "own-" + thread, false);
            List<BenchSystem> contended = new ArrayList<>(locks);
            if (scenarios.contains(3) && systems.contains("fencelock")) {
                // Fencelock's fair lock beside its plain one: a release hands the lock to the head of
                // the queue. Redisson's fair lock is left out: in this loop it failed after minutes
                // ("Unable to acquire subscription lock after 7500ms"); scenario 7 compares the two.
                BenchSystem fair = Systems.fencelockFair(uri).named(FENCELOCK_FAIR);
                open.add(fair);
                contended.add(fair);
            }
            loop(3, contended, cpu, settings.threads(), thread -> "contended", true);
        } finally {
            for (BenchSystem system : open) {
                system.close();
            }
        }
    }

    /**
     * Scenario 1 again, interleaved: the bare SET NX PX + compare-and-delete pair, Fencelock's
     * lock()+unlock() and its acquire+close, each in turn on one thread.
     */
    private void interleaved(String uri, List<BenchSystem> open) throws Exception {
        List<BenchSystem> pair = open.stream()
                .filter(system -> system.name().equals("lettuce-setnx") || system.name().equals("fencelock")).toList();
        if (!scenarios.contains(1) || pair.size() < 2) {
            return;
        }
        // A tenth as many rounds in the quick and smoke runs, which check the harness rather than the ratio.
        int rounds = settings.mode().equals("full") ? Interleaved.ROUNDS : Interleaved.ROUNDS / 10;
        progress("scenario 1, interleaved: lettuce-setnx, fencelock, fencelock acquire+close, " + rounds + " rounds each");
        try (BenchSystem leases = Systems.fencelockLeases(uri)) {
            List<BenchSystem> systems = new ArrayList<>(pair);
            systems.add(leases);
            results.addAll(Interleaved.measure(1, systems, "bench:interleaved", rounds));
        }
    }

    private void loop(int scenario, List<BenchSystem> chosen, ProcessCpu cpu, int threads, IntFunction<String> lockName,
            boolean handoffs) throws Exception {
        if (!scenarios.contains(scenario) || chosen.isEmpty()) {
            return;
        }
        progress("scenario " + scenario + ": " + chosen.stream().map(BenchSystem::name).collect(Collectors.joining(", "))
                + " on " + threads + " thread(s), " + settings.rounds() + " rounds");
        results.addAll(new LockLoop(settings, cpu).measure(scenario, chosen, threads, lockName, handoffs));
    }

    /** Scenario 4: Redlock over five independent masters. */
    private void redlock() throws Exception {
        List<RedisServer> masters = new ArrayList<>();
        List<BenchSystem> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                masters.add(RedisServer.start());
            }
            List<String> uris = masters.stream().map(RedisServer::uri).toList();
            if (systems.contains("fencelock")) {
                open.add(Systems.fencelockRedlock(uris));
            }
            if (systems.contains("redisson-redlock")) {
                open.add(Systems.redissonRedlock(uris));
            }
            ProcessCpu cpu = ProcessCpu.of(masters.stream().mapToLong(RedisServer::pid).toArray());
            loop(4, open, cpu, 1, thread -> "redlock", false);
            // The same with one master frozen (SIGSTOP): what a minority that answers nothing costs.
            // Redisson's RedLock waits for every master, so only Fencelock is measured so.
            List<BenchSystem> frozen = open.stream().filter(system -> system.name().equals("fencelock"))
                    .map(system -> new BenchSystem(FROZEN_MASTER, system.locks(), () -> { })).toList();
            masters.get(0).pause();
            try {
                loop(4, frozen, cpu, 1, thread -> "redlock", false);
            } finally {
                masters.get(0).resume();
            }
        } finally {
            for (BenchSystem system : open) {
                system.close();
            }
            masters.forEach(RedisServer::close);
        }
    }

    /** Scenario 6 or 7, for {@code names}, all on the server that {@code requests} counts the requests of. */
    private void waiters(int scenario, String kind, List<Settings.WaiterStep> steps, List<String> names,
            Function<String, BenchSystem> open, Supplier<ServerRequests> requests) throws Exception {
        if (names.isEmpty()) {
            return;
        }
        progress("scenario " + scenario + ", " + kind + ": " + steps.stream()
                .map(step -> step.waiters() + " waiting in " + step.clients() + " client(s), " + step.turns() + " turn(s) each")
                .collect(Collectors.joining("; ")) + ", on " + Waiters.threadKind() + " threads, " + settings.rounds() + " rounds");
        results.addAll(new Waiters(settings, requests).measure(scenario, steps, names, open));
    }

    /** Scenarios 8 and 9: the read-write locks of Fencelock and Redisson on one server. */
    private void readWrite(RedisServer redis) throws Exception {
        List<ReadWriteSystem> open = new ArrayList<>();
        try {
            for (String name : chosen("fencelock", "redisson")) {
                open.add(name.equals("fencelock") ? Systems.fencelockReadWrite(redis.uri()) : Systems.redissonReadWrite(redis.uri()));
            }
            if (open.isEmpty()) {
                return;
            }
            loop(8, open.stream().map(ReadWriteSystem::readLocks).toList(), ProcessCpu.of(redis.pid()), settings.threads(),
                    thread -> "read", false);
            if (scenarios.contains(9)) {
                progress("scenario 9: one writer under " + settings.readers() + " looping readers, "
                        + open.stream().map(ReadWriteSystem::name).collect(Collectors.joining(", ")) + ", "
                        + settings.rounds() + " rounds, writer waits capped at " + settings.writerCap().toMillis() + " ms");
                results.addAll(new WriterWait(settings).measure(open));
            }
        } finally {
            for (ReadWriteSystem system : open) {
                system.close();
            }
        }
    }

    /** Scenario 10: acquire+release of a permit of one semaphore, by Fencelock and Redisson on one server. */
    private void semaphore(RedisServer redis) throws Exception {
        againstRedisson(10, redis, settings.threads(), "semaphore",
                () -> Systems.fencelockSemaphore(redis.uri(), SEMAPHORE_PERMITS),
                () -> Systems.redissonSemaphore(redis.uri(), SEMAPHORE_PERMITS));
    }

    /** Scenarios 11 and 12: a multi-lock over {@code names} names, uncontended, against Redisson's RedissonMultiLock. */
    private void multiLock(int scenario, int names, RedisServer redis) throws Exception {
        if (scenarios.contains(scenario)) {
            againstRedisson(scenario, redis, 1, "multi-" + names, () -> Systems.fencelockMulti(redis.uri(), names),
                    () -> Systems.redissonMulti(redis.uri(), names));
        }
    }

    /** The loop of {@code scenario} on {@code redis}: Fencelock's system, then Redisson's, all threads on {@code name}. */
    private void againstRedisson(int scenario, RedisServer redis, int threads, String name, Callable<BenchSystem> fencelock,
            Callable<BenchSystem> redisson) throws Exception {
        List<BenchSystem> open = new ArrayList<>();
        try {
            for (String system : chosen("fencelock", "redisson")) {
                open.add(system.equals("fencelock") ? fencelock.call() : redisson.call());
            }
            loop(scenario, open, ProcessCpu.of(redis.pid()), threads, thread -> name, false);
        } finally {
            for (BenchSystem system : open) {
                system.close();
            }
        }
    }

    private List<String> chosen(String... names) {
        return Arrays.stream(names).filter(systems::contains).toList();
    }

    private static String redisVersion(RedisServer redis) {
        return Arrays.stream(((String) redis.call("INFO", "server")).split("\r\n"))
                .filter(line -> line.startsWith("redis_version:"))
                .map(line -> line.substring("redis_version:".length()))
                .findFirst().orElse("?");
    }

    private void progress(String what) {
        System.err.printf(Locale.ROOT, "[%4.0f s] %s%n", (System.nanoTime() - startedAt) / 1e9, what);
    }
}
