package dev.fencelock.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a run prints and writes: the machine it ran on, the results as Markdown tables (so that
 * they paste into BENCHMARKS.md as they are), the targets as ratios of this run, and the
 * JSON file. Targets are reported, never enforced: a noisy machine must not fail a build.
 */
final class Report {
    private static final String ZOOKEEPER = "fencelock-zookeeper";
    private static final String CURATOR = "curator";

    private Report() {}

    /** The machine, the JDK and the versions of what is compared, as lines of text. */
    static String environment(Settings settings, String redisVersion, String loadAtStart) {
        return String.join("\n",
                "mode: " + settings.mode() + " (" + settings.rounds() + " rounds of " + seconds(settings) + " per system"
                        + " in scenarios 1-4, 8-12; figures are medians over the rounds)",
                "machine: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                        + cpuModel() + ", load average at start " + loadAtStart,
                "JDK: " + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version")
                        + " (" + System.getProperty("java.vm.name") + "), max heap "
                        + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB",
                "Redis: " + redisVersion + "; fencelock " + version("dev.fencelock", "fencelock-redis")
                        + ", Lettuce " + version("io.lettuce", "lettuce-core")
                        + ", Redisson " + version("org.redisson", "redisson")
                        + ", Curator " + version("org.apache.curator", "curator-recipes")
                        + ", ZooKeeper " + version("org.apache.zookeeper", "zookeeper"));
    }

    private static String seconds(Settings settings) {
        return String.format(Locale.ROOT, "%.1f s", settings.measure().toMillis() / 1000.0);
    }

    /** The load average over the last minute, five and fifteen minutes, or "unknown". */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The load average over the last minute, or 0 where the system does not say. */
    static double oneMinuteLoad() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException | RuntimeException e) {
            return "unknown CPU";
        }
    }

    /** A library's version, from the pom.properties Maven puts in its jar. */
    private static String version(String group, String artifact) {
        try (InputStream in = Report.class.getResourceAsStream("/META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
            if (in == null) {
                return "?";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "?");
        } catch (IOException e) {
            return "?";
        }
    }

    /** The scenarios besides 1-4 that measure a loop of acquire+release, reported in the first table. */
    static final Set<Integer> LOOPS = Set.of(8, 10, 11, 12);

    /** The results as Markdown tables: scenarios 1-4, 8 and 10-12, then 5, then 6 and 7, then 9, then 13. */
    static String tables(List<Result> results, Settings settings) {
        StringBuilder out = new StringBuilder();
        List<Result> loops = results.stream().filter(r -> r.scenario() <= 4 || LOOPS.contains(r.scenario())).toList();
        if (!loops.isEmpty()) {
            out.append("Latencies in µs, of one lock+unlock; hand-off: from the start of a release to the return of\n")
                    .append("the next acquisition by a thread that was already waiting. CPU: µs of CPU time per lock+unlock\n")
                    .append("in the bench's JVM (the client, with its JIT and GC) and in the servers, measured over the\n")
                    .append("same window (Linux only).\n\n")
                    .append("| # | scenario | system | ops/s | p50 | p99 | p99.9 | hand-off p50 | hand-off p99 | client CPU | server CPU |\n")
                    .append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            int previous = 0;
            for (Result r : loops) {
                String label = r.scenario() == previous ? "" : scenarioLabel(r.scenario(), settings);
                previous = r.scenario();
                if (r.isSkipped()) {
                    out.append(row(r.scenario(), label, r.system(), "skipped: " + r.fields().get("skipped"),
                            "—", "—", "—", "—", "—", "—", "—")).append("\n");
                    continue;
                }
                out.append(row(r.scenario(), label, r.system(), num(r.get("ops_per_s")), num(r.get("p50_us")),
                        num(r.get("p99_us")), num(r.get("p999_us")), num(r.get("handoff_p50_us")),
                        num(r.get("handoff_p99_us")), num(r.get("client_cpu_us")), num(r.get("server_cpu_us")))).append("\n");
            }
        }
        List<Result> leases = results.stream().filter(r -> r.scenario() == 5).toList();
        if (!leases.isEmpty()) {
            out.append("\n| # | leases held under the watchdog | system | renewal commands/s | Redis CPU µs/s in renewals | heap bytes per lease |\n")
                    .append("| --- | ---: | --- | ---: | ---: | ---: |\n");
            for (Result r : leases) {
                out.append(row(5, count(r.get("leases")) + " for " + count(r.get("window_s")) + " s", r.system(),
                        num(r.get("renewal_commands_per_s")), num(r.get("renewal_server_us_per_s")),
                        num(r.get("heap_bytes_per_lease")))).append("\n");
            }
        }
        List<Result> waiters = results.stream().filter(r -> r.scenario() == 6 || r.scenario() == 7).toList();
        if (!waiters.isEmpty()) {
            out.append("\nRequests: what the clients sent the server they lock on, per hand-off: Redis commands (MONITOR), or\n")
                    .append("ZooKeeper packets received, requests and session pings (mntr).\n")
                    .append("\n| # | threads waiting on one lock | system | requests per hand-off | hand-offs/s | hand-off p50 | hand-off p99 |\n")
                    .append("| --- | --- | --- | ---: | ---: | ---: | ---: |\n");
            for (Result r : waiters) {
                out.append(row(r.scenario(), (r.scenario() == 7 ? "fair lock: " : "") + count(r.get("waiters")) + " "
                                + r.fields().get("threads") + " in " + count(r.get("clients"))
                                + (r.get("clients") == 1 ? " client" : " clients")
                                + (r.get("turns") > 1 ? ", " + count(r.get("turns")) + " turns each" : ""), r.system(),
                        String.format(Locale.ROOT, "%.2f", r.get("commands_per_handoff")), num(r.get("handoffs_per_s")),
                        num(r.get("handoff_p50_us")), num(r.get("handoff_p99_us"))))
                        .append("\n");
            }
        }
        List<Result> writers = results.stream().filter(r -> r.scenario() == 9).toList();
        if (!writers.isEmpty()) {
            out.append("\n| # | one writer under looping readers | system | writer waits | timed out at the cap | wait p50 | wait p99 | wait max | reads/s |\n")
                    .append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (Result r : writers) {
                out.append(row(9, count(r.get("readers")) + " readers holding " + count(r.get("hold_ms")) + " ms, cap "
                                + count(r.get("cap_ms")) + " ms", r.system(), count(r.get("writer_attempts_total")),
                        count(r.get("writer_timeouts_total")), num(r.get("writer_wait_p50_us")), num(r.get("writer_wait_p99_us")),
                        num(r.get("writer_wait_max_us")), num(r.get("reader_ops_per_s"))))
                        .append("\n");
            }
        }
        clusterTables(results, out);
        return out.toString();
    }

    /** Scenario 13: publish messages over the cluster bus per release, then hand-offs on one cluster. */
    private static void clusterTables(List<Result> results, StringBuilder out) {
        List<Result> bus = results.stream().filter(r -> r.scenario() == ClusterBus.SCENARIO && r.fields().containsKey("releases")).toList();
        if (!bus.isEmpty()) {
            out.append("\n| # | Redis Cluster, two clients taking one lock in turn | system | bus publish messages per release | PUBLISH per release | SPUBLISH per release |\n")
                    .append("| --- | --- | --- | ---: | ---: | ---: |\n");
            for (Result r : bus) {
                out.append(row(ClusterBus.SCENARIO, count(r.get("masters")) + " masters, " + count(r.get("releases")) + " releases",
                        r.system(), String.format(Locale.ROOT, "%.2f", r.get("bus_publish_messages_per_release")),
                        String.format(Locale.ROOT, "%.2f", r.get("publishes_per_release")),
                        String.format(Locale.ROOT, "%.2f", r.get("spublishes_per_release")))).append("\n");
            }
        }
        List<Result> handoffs = clusterHandoffs(results);
        if (!handoffs.isEmpty()) {
            out.append("\n| # | Redis Cluster, one name | system | ops/s | p50 | p99 | hand-off p50 | hand-off p99 |\n")
                    .append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (Result r : handoffs) {
                out.append(row(ClusterBus.SCENARIO, count(r.get("masters")) + " masters, " + count(r.get("clients"))
                                + " clients with one thread each", r.system(), num(r.get("ops_per_s")), num(r.get("p50_us")),
                        num(r.get("p99_us")), num(r.get("handoff_p50_us")), num(r.get("handoff_p99_us")))).append("\n");
            }
        }
    }

    private static List<Result> clusterHandoffs(List<Result> results) {
        return results.stream().filter(r -> r.scenario() == ClusterBus.SCENARIO && r.fields().containsKey("handoff_p99_us")).toList();
    }

    private static String scenarioLabel(int scenario, Settings settings) {
        return switch (scenario) {
            case 1 -> "uncontended, 1 thread";
            case 2 -> settings.threads() + " threads, own names";
            case 3 -> settings.threads() + " threads, one name";
            case 4 -> "Redlock(5), 1 thread";
            case 8 -> settings.threads() + " threads, one read lock";
            case 10 -> settings.threads() + " threads, one semaphore of " + Benchmarks.SEMAPHORE_PERMITS + " permits";
            case 11 -> "multi-lock over 3 names, 1 thread";
            case 12 -> "multi-lock over 10 names, 1 thread";
            default -> "";
        };
    }

    private static String row(Object... cells) {
        return Arrays.stream(cells).map(String::valueOf).collect(Collectors.joining(" | ", "| ", " |"));
    }

    private static String count(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String num(double value) {
        if (Double.isNaN(value)) {
            return "—";
        }
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    }

    /** The targets of issues 5, 13, 15 and 18 as ratios of this run, each said reached or missed, or why it cannot be said. */
    static String targets(List<Result> results) {
        List<String> rows = new ArrayList<>();
        rows.add("| target | this run | reached |");
        rows.add("| --- | --- | --- |");
        ratio(results, 1, "ops_per_s", "redisson", "ops_per_s").ifPresentOrElse(
                r -> rows.add(target("1: throughput ≥ 2× Redisson", r, "%.2f×", r >= 2)),
                () -> rows.add(missing("1: throughput ≥ 2× Redisson")));
        find(results, 1, "fencelock").flatMap(f -> find(results, 1, "ping").map(p -> f.get("p50_us") / (2 * p.get("p50_us"))))
                .ifPresentOrElse(r -> rows.add(target("1: p50 ≤ 1.2 × (2 × PING p50)", r, "%.2f × (2 × PING p50)", r <= 1.2)),
                        () -> rows.add(missing("1: p50 ≤ 1.2 × (2 × PING p50)")));
        for (String fencelock : List.of("fencelock interleaved", "fencelock acquire+close interleaved")) {
            String goal = "1: " + fencelock + " p50 ≤ 1.05× the bare SET NX PX + compare-and-delete pair's";
            find(results, 1, fencelock).flatMap(f -> find(results, 1, "lettuce-setnx interleaved")
                            .map(bare -> f.get("p50_us") / bare.get("p50_us"))).filter(r -> !r.isNaN())
                    .ifPresentOrElse(r -> rows.add(target(goal, r, "%.3f×", r <= 1.05)), () -> rows.add(missing(goal)));
        }
        ratio(results, 2, "ops_per_s", "redisson", "ops_per_s").ifPresentOrElse(
                r -> rows.add(target("2: throughput ≥ 3× Redisson", r, "%.2f×", r >= 3)),
                () -> rows.add(missing("2: throughput ≥ 3× Redisson")));
        String floor = "2: throughput ≥ 0.85× the bare SET NX PX + compare-and-delete pair's";
        ratio(results, 2, "ops_per_s", "lettuce-setnx", "ops_per_s").ifPresentOrElse(
                r -> rows.add(target(floor, r, "%.2f×", r >= 0.85)), () -> rows.add(missing(floor)));
        ratio(results, 3, "p99_us", "redisson", "p99_us").ifPresentOrElse(
                r -> rows.add(target("3: p99 lock+unlock (waiting included) ≤ ⅓ of Redisson's", r, "%.2f×", r <= 1 / 3.0)),
                () -> rows.add(missing("3: p99 lock+unlock ≤ ⅓ of Redisson's")));
        ratio(results, 3, "handoff_p99_us", "redisson", "handoff_p99_us").ifPresentOrElse(
                r -> rows.add(target("3: p99 hand-off (release to next waiter's acquisition) ≤ ⅓ of Redisson's", r, "%.2f×",
                        r <= 1 / 3.0)),
                () -> rows.add(missing("3: p99 hand-off ≤ ⅓ of Redisson's")));
        Optional<Result> redlock = find(results, 4, "fencelock");
        String redlockGoal = "4: throughput ≥ 3× RedissonRedLock";
        if (redlock.isPresent() && redlock.get().isSkipped()) {
            rows.add("| " + redlockGoal + " | " + redlock.get().fields().get("skipped") + " | not measured |");
        } else {
            ratio(results, 4, "ops_per_s", "redisson-redlock", "ops_per_s").ifPresentOrElse(
                    r -> rows.add(target(redlockGoal, r, "%.2f×", r >= 3)), () -> rows.add(missing(redlockGoal)));
            find(results, 4, Benchmarks.FROZEN_MASTER).flatMap(frozen -> redlock.map(f -> frozen.get("p50_us") / f.get("p50_us")))
                    .filter(r -> !r.isNaN()).ifPresentOrElse(
                            r -> rows.add(target("4: p50 with one master SIGSTOPped ≤ 1.2× the fault-free p50", r, "%.2f×", r <= 1.2)),
                            () -> rows.add(missing("4: p50 with one master SIGSTOPped ≤ 1.2× the fault-free p50")));
        }
        List<Result> leases = results.stream().filter(r -> r.scenario() == 5 && r.system().equals("fencelock"))
                .sorted(Comparator.comparingDouble(r -> r.get("leases"))).toList();
        if (leases.size() >= 2) {
            Result few = leases.get(0);
            Result many = leases.get(leases.size() - 1);
            double growth = many.get("renewal_commands_per_s") / few.get("renewal_commands_per_s");
            rows.add(String.format(Locale.ROOT,
                    "| 5: renewal commands/s independent of the number of leases (here: grows ≤ 1.5× for %.0f× the leases) | %.2f/s for %,.0f leases, %.2f/s for %,.0f: %.1f× | %s |",
                    many.get("leases") / few.get("leases"), few.get("renewal_commands_per_s"), few.get("leases"),
                    many.get("renewal_commands_per_s"), many.get("leases"), growth, growth <= 1.5 ? "yes" : "no"));
        } else {
            rows.add(missing("5: renewal commands/s independent of the number of leases"));
        }
        List<Result> herds = results.stream().filter(r -> r.scenario() == 6 && r.system().equals("fencelock")).toList();
        if (!herds.isEmpty()) {
            for (double clients : herds.stream().mapToDouble(r -> r.get("clients")).distinct().toArray()) {
                List<Result> alike = herds.stream().filter(r -> r.get("clients") == clients).toList();
                double worst = alike.stream().mapToDouble(r -> r.get("commands_per_handoff")).max().orElseThrow();
                rows.add(String.format(Locale.ROOT, "| 6: ≤ 3 Redis commands per hand-off, whatever the number of waiters (%s) | %s | %s |",
                        clients == 1 ? "waiters in one client" : String.format(Locale.ROOT, "waiters spread over %.0f clients", clients),
                        alike.stream().map(r -> String.format(Locale.ROOT, "%.2f with %,.0f waiters", r.get("commands_per_handoff"), r.get("waiters")))
                                .collect(Collectors.joining(", ")),
                        worst <= 3 ? "yes" : "no"));
            }
        } else {
            rows.add(missing("6: ≤ 3 Redis commands per hand-off"));
        }
        fairTargets(results, rows);
        ratio(results, 8, "ops_per_s", "redisson", "ops_per_s").ifPresentOrElse(
                r -> rows.add(target("8: read-lock throughput ≥ 2× Redisson's read lock", r, "%.2f×", r >= 2)),
                () -> rows.add(missing("8: read-lock throughput ≥ 2× Redisson")));
        writerTarget(results, rows);
        ratio(results, 10, "ops_per_s", "redisson", "ops_per_s").ifPresentOrElse(
                r -> rows.add(target("10: semaphore acquire+release throughput ≥ 2× Redisson's permit-expirable semaphore", r,
                        "%.2f×", r >= 2)),
                () -> rows.add(missing("10: semaphore throughput ≥ 2× Redisson")));
        clusterTargets(results, rows);
        multiLockTargets(results, rows);
        zooKeeperTargets(results, rows);
        return String.join("\n", rows) + "\n";
    }

    /**
     * Issue 18's targets for Fencelock on ZooKeeper against Curator's {@code InterProcessMutex} on
     * the same server: throughput at least Curator's in scenarios 1-3, hand-off p99 at most
     * Curator's, and no more requests per hand-off with any number of waiters.
     */
    private static void zooKeeperTargets(List<Result> results, List<String> rows) {
        for (int scenario = 1; scenario <= 3; scenario++) {
            String what = scenario + ": Fencelock on ZooKeeper, throughput ≥ Curator's";
            ratioOf(results, scenario, "ops_per_s", ZOOKEEPER, CURATOR).ifPresentOrElse(
                    r -> rows.add(target(what, r, "%.2f×", r >= 1)), () -> rows.add(missing(what)));
        }
        String handoff = "3: Fencelock on ZooKeeper, hand-off p99 ≤ Curator's";
        ratioOf(results, 3, "handoff_p99_us", ZOOKEEPER, CURATOR).ifPresentOrElse(
                r -> rows.add(target(handoff, r, "%.2f×", r <= 1)), () -> rows.add(missing(handoff)));
        List<Result> mine = results.stream().filter(r -> r.scenario() == 6 && r.system().equals(ZOOKEEPER)).toList();
        if (mine.isEmpty()) {
            rows.add(missing("6: Fencelock on ZooKeeper, requests per hand-off ≤ Curator's"));
        }
        for (Result f : mine) {
            String what = String.format(Locale.ROOT, "6: Fencelock on ZooKeeper, requests per hand-off ≤ Curator's (%,.0f waiters in %.0f client%s)",
                    f.get("waiters"), f.get("clients"), f.get("clients") == 1 ? "" : "s");
            results.stream().filter(r -> r.scenario() == 6 && r.system().equals(CURATOR) && r.get("waiters") == f.get("waiters")
                    && r.get("clients") == f.get("clients")).findFirst().ifPresentOrElse(
                            c -> rows.add("| " + what + " | " + String.format(Locale.ROOT, "%.2f against %.2f",
                                    f.get("commands_per_handoff"), c.get("commands_per_handoff")) + " | "
                                    + (f.get("commands_per_handoff") <= c.get("commands_per_handoff") ? "yes" : "no") + " |"),
                            () -> rows.add(missing(what)));
        }
    }

    /**
     * Scenario 7, for each number of waiters and clients: commands per hand-off where each waiter
     * took one turn (a waiter queueing again adds its arrival to the count), and the hand-off p99
     * against Redisson's fair lock where there were the most hand-offs.
     */
    private static void fairTargets(List<Result> results, List<String> rows) {
        List<Result> fair = results.stream().filter(r -> r.scenario() == 7).toList();
        List<Result> once = fair.stream().filter(r -> r.system().equals("fencelock") && r.get("turns") == 1).toList();
        if (once.isEmpty()) {
            rows.add(missing("7: fair lock, ≤ 3 Redis commands per hand-off and hand-off p99 ≤ ½ of Redisson's"));
            return;
        }
        for (Result f : once) {
            String step = String.format(Locale.ROOT, "%,.0f waiters over %.0f clients", f.get("waiters"), f.get("clients"));
            rows.add(target("7: fair lock, ≤ 3 Redis commands per hand-off (" + step + ", one turn each)",
                    f.get("commands_per_handoff"), "%.2f", f.get("commands_per_handoff") <= 3));
            Optional<Double> ratio = mostHandoffs(fair, "fencelock", f).flatMap(mine -> mostHandoffs(fair, "redisson", f)
                    .map(theirs -> mine.get("handoff_p99_us") / theirs.get("handoff_p99_us"))).filter(r -> !r.isNaN());
            String what = "7: fair lock, hand-off p99 ≤ ½ of Redisson's fair lock (" + step + ")";
            ratio.ifPresentOrElse(r -> rows.add(target(what, r, "%.2f×", r <= 0.5)), () -> rows.add(missing(what)));
        }
    }

    /** The row of {@code system} with the waiters and clients of {@code like} that timed the most hand-offs. */
    private static Optional<Result> mostHandoffs(List<Result> fair, String system, Result like) {
        return fair.stream().filter(r -> r.system().equals(system) && r.get("waiters") == like.get("waiters")
                && r.get("clients") == like.get("clients")).max(Comparator.comparingDouble(r -> r.get("turns")));
    }

    /**
     * Scenario 9: the writer's wait p99 bounded by one reader lease (the default lease, which is
     * also Redisson's watchdog timeout), none cut off at the cap; Redisson's beside it.
     */
    private static void writerTarget(List<Result> results, List<String> rows) {
        String what = "9: writer wait p99 under looping readers ≤ one reader lease (" + Systems.REDISSON_DEFAULT_WATCHDOG.toSeconds()
                + " s), none timed out";
        Optional<Result> fencelock = find(results, 9, "fencelock");
        if (fencelock.isEmpty()) {
            rows.add(missing(what));
            return;
        }
        Result f = fencelock.get();
        String measured = waits(f) + find(results, 9, "redisson").map(r -> "; Redisson: " + waits(r)).orElse("");
        boolean reached = f.get("writer_wait_p99_us") <= Systems.REDISSON_DEFAULT_WATCHDOG.toNanos() / 1_000.0
                && f.get("writer_timeouts_total") == 0;
        rows.add("| " + what + " | " + measured + " | " + (reached ? "yes" : "no") + " |");
    }

    /**
     * Scenario 13 (issue 20): Fencelock's bus messages per release, cluster by cluster, which
     * sharded pub/sub keeps from growing with the cluster; its hand-off p99 against Redisson's.
     */
    private static void clusterTargets(List<Result> results, List<String> rows) {
        String flat = "13: bus publish messages per release do not grow with the number of masters";
        List<Result> bus = results.stream().filter(r -> r.scenario() == ClusterBus.SCENARIO && r.system().equals("fencelock")
                && r.fields().containsKey("releases")).toList();
        if (bus.size() < 2) {
            rows.add(missing(flat));
        } else {
            double first = bus.get(0).get("bus_publish_messages_per_release");
            rows.add("| " + flat + " | " + bus.stream().map(r -> String.format(Locale.ROOT, "%.2f on %.0f masters",
                    r.get("bus_publish_messages_per_release"), r.get("masters"))).collect(Collectors.joining(", ")) + " | "
                    + (bus.stream().allMatch(r -> r.get("bus_publish_messages_per_release") <= first) ? "yes" : "no") + " |");
        }
        List<Result> handoffs = clusterHandoffs(results);
        String what = "13: hand-off p99 on a cluster, against Redisson's RLock (reported)";
        Optional<Double> ratio = handoffs.stream().filter(r -> r.system().equals("fencelock")).findFirst()
                .flatMap(f -> handoffs.stream().filter(r -> r.system().equals("redisson")).findFirst()
                        .map(o -> f.get("handoff_p99_us") / o.get("handoff_p99_us"))).filter(r -> !r.isNaN());
        ratio.ifPresentOrElse(r -> rows.add("| " + what + " | " + String.format(Locale.ROOT, "%.2f×", r) + " | — |"),
                () -> rows.add(missing(what)));
    }

    /** Issue 14: a multi-lock's lock+unlock p50 and p99 at most a third of RedissonMultiLock's, over 3 and 10 names. */
    private static void multiLockTargets(List<Result> results, List<String> rows) {
        for (int scenario : new int[] {11, 12}) {
            String names = scenario == 11 ? "3" : "10";
            for (String figure : List.of("p50_us", "p99_us")) {
                String what = scenario + ": multi-lock over " + names + " names, " + figure.replace("_us", "")
                        + " lock+unlock ≤ ⅓ of RedissonMultiLock's";
                ratio(results, scenario, figure, "redisson", figure).ifPresentOrElse(
                        r -> rows.add(target(what, r, "%.2f×", r <= 1 / 3.0)), () -> rows.add(missing(what)));
            }
        }
    }

    private static String waits(Result r) {
        return String.format(Locale.ROOT, "p99 %s µs, %,.0f of %,.0f waits cut off at %,.0f ms", num(r.get("writer_wait_p99_us")),
                r.get("writer_timeouts_total"), r.get("writer_attempts_total"), r.get("cap_ms"));
    }

    private static String target(String what, double ratio, String format, boolean reached) {
        return "| " + what + " | " + String.format(Locale.ROOT, format, ratio) + " | " + (reached ? "yes" : "no") + " |";
    }

    private static String missing(String what) {
        return "| " + what + " | — | not measured in this run |";
    }

    /** Fencelock's {@code figure} over {@code other}'s {@code otherFigure} in {@code scenario}. */
    private static Optional<Double> ratio(List<Result> results, int scenario, String figure, String other, String otherFigure) {
        return find(results, scenario, "fencelock").filter(r -> !r.isSkipped())
                .flatMap(f -> find(results, scenario, other).map(o -> f.get(figure) / o.get(otherFigure)))
                .filter(r -> !r.isNaN());
    }

    /** {@code mine}'s {@code figure} over {@code other}'s in {@code scenario}. */
    private static Optional<Double> ratioOf(List<Result> results, int scenario, String figure, String mine, String other) {
        return find(results, scenario, mine).flatMap(f -> find(results, scenario, other).map(o -> f.get(figure) / o.get(figure)))
                .filter(r -> !r.isNaN());
    }

    private static Optional<Result> find(List<Result> results, int scenario, String system) {
        return results.stream().filter(r -> r.scenario() == scenario && r.system().equals(system)).findFirst();
    }

    /** Writes the rows as a JSON array, one object a line. */
    static Path writeJson(List<Result> results, Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return Files.writeString(out, results.stream().map(Result::json)
                .collect(Collectors.joining(",\n  ", "[\n  ", "\n]\n")));
    }
}
