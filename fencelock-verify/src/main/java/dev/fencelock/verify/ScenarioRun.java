package dev.fencelock.verify;

import dev.fencelock.testkit.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs one scenario: starts the resource Redis (and the PostgreSQL tables), the topology and the
 * client processes; opens the window; injects the planned faults; lets the clients run on for a
 * quiet period; stops them; audits the resources; merges the histories into
 * {@code history.log}; and checks it. Everything it started is stopped when it returns.
 */
final class ScenarioRun {
    private static final Duration CLIENT_READY_TIMEOUT = Duration.ofSeconds(60);
    /** A stopping client finishes its round: an acquisition (2 s), a hold, writes, a release, then closes. */
    private static final Duration CLIENT_EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final int EXCERPT_LINES = 40;
    private static final String QUEUE_HISTORY = "history-queue.log";

    private final Scenario scenario;
    private final Settings settings;
    private final long seed;
    private final Path dir;
    private final Availability<String> postgres;

    ScenarioRun(Scenario scenario, Settings settings, long seed, Path dir, Availability<String> postgres) {
        this.scenario = scenario;
        this.settings = settings;
        this.seed = seed;
        this.dir = dir;
        this.postgres = postgres;
    }

    /** The seed of one scenario's plan and clients: the run's seed mixed with the scenario's name. */
    static long seedOf(long runSeed, Scenario scenario) {
        long mixed = runSeed ^ (scenario.id().hashCode() * 0x9E3779B97F4A7C15L);
        // SplitMix64's finaliser: nearby run seeds give unrelated scenario seeds.
        mixed = (mixed ^ (mixed >>> 30)) * 0xBF58476D1CE4E5B9L;
        mixed = (mixed ^ (mixed >>> 27)) * 0x94D049BB133111EBL;
        return mixed ^ (mixed >>> 31);
    }

    ScenarioResult run() throws InterruptedException {
        long began = System.nanoTime();
        Map<String, Double> phases = new LinkedHashMap<>();
        recreate(dir);
        long scenarioSeed = seedOf(seed, scenario);
        Map<String, String> resources = new LinkedHashMap<>();
        List<ClientProcess> clients = new ArrayList<>();
        PostgresCounter postgresCounter = null;
        try (RedisServer resourceServer = RedisServer.start();
                RedisCounter watch = new RedisCounter(resourceServer.uri(), scenario.isFenced(), Duration.ofSeconds(2));
                FaultLog log = new FaultLog(new HistoryWriter(dir.resolve("history-nemesis.log"), "nemesis"))) {
            resources.put(RedisCounter.NAME, scenario.isFenced() ? "checked" : "checked, without fencing (the control)");
            String table = "";
            if (scenario.isControl()) {
                resources.put(PostgresCounter.NAME, "not used by the control");
            } else if (postgres.value().isPresent()) {
                table = "fencelock_verify_" + Long.toHexString(new Random().nextLong() & 0xFFFFFFFFL);
                postgresCounter = PostgresCounter.create(postgres.value().get(), table);
                resources.put(PostgresCounter.NAME, "checked");
            } else {
                resources.put(PostgresCounter.NAME, "skipped: " + postgres.reason().orElseThrow());
            }

            Fleet fleet = new Fleet();
            Scenario.Setup setup = scenario.setUp(settings, fleet, watch);
            try (Topology topology = setup.topology();
                    FairQueueMonitor queue = scenario.lock() == LockUnderTest.FAIR ? startQueueMonitor(topology) : null) {
                List<Nemesis> available = setup.nemeses().stream().filter(nemesis -> nemesis.unavailable().isEmpty()).toList();
                Map<String, String> skipped = new LinkedHashMap<>();
                setup.nemeses().forEach(nemesis -> nemesis.unavailable().ifPresent(reason -> skipped.put(nemesis.kind(), reason)));
                Duration window = scenario.window(settings);
                FaultPlan plan = FaultPlan.draw(scenarioSeed, available, window, setup.gaps());
                writePlan(plan, available, skipped);

                long clientsStarted = System.nanoTime();
                phases.put("setup", seconds(began, clientsStarted));
                for (int id = 1; id <= settings.clients(); id++) {
                    clients.add(ClientProcess.start(clientConfig(id, topology, resourceServer.uri(), table, scenarioSeed), dir));
                }
                fleet.set(clients);
                for (ClientProcess client : clients) {
                    client.awaitReady(CLIENT_READY_TIMEOUT);
                }

                Event opened = log.runStarted();
                phases.put("clients_ready", seconds(clientsStarted, opened.mono()));
                for (FaultPlan.Fault fault : plan.faults()) {
                    Pacing.until(opened.mono() + fault.at().toNanos());
                    available.get(fault.nemesis()).inject(fault.duration(), new Random(fault.seed()), log);
                }
                Pacing.until(opened.mono() + window.toNanos());
                // The clients run on with every fault healed: the system must recover.
                Pacing.pause(settings.quiet());
                Event closed = log.runEnded();
                phases.put("window", seconds(opened.mono(), closed.mono()));
                stop(clients, log);
                if (queue != null) {
                    queue.close();
                    queue.failure().ifPresent(log::error);
                }
                phases.put("stop", seconds(closed.mono(), System.nanoTime()));

                List<FencedResource.Audit> audits = new ArrayList<>(List.of(watch.audit()));
                if (postgresCounter != null) {
                    audits.add(postgresCounter.audit());
                }
                List<Event> history = mergeHistories(clients);
                Checker.Findings findings = Checker.check(history, audits, opened.mono(), closed.mono(), masterNames(topology));
                List<String> excerpts = excerpts(findings, history);
                return new ScenarioResult(scenario, seed, settings.mode(), topology.describe(), settings.clients(),
                        seconds(opened.mono(), closed.mono()), phases, resources, log.counts(), skipped, log.errors(), findings,
                        excerpts, dir.toString());
            }
        } finally {
            try {
                Cleanup.each(clients, ClientProcess::close);
            } finally {
                if (postgresCounter != null) {
                    try {
                        postgresCounter.drop();
                    } finally {
                        postgresCounter.close();
                    }
                }
            }
        }
    }

    private static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }

    private ClientConfig clientConfig(int id, Topology topology, String redisResource, String table, long scenarioSeed) {
        return new ClientConfig(id, scenario.lock(), topology.lockUris(), redisResource,
                table.isEmpty() ? "" : postgres.value().orElseThrow(), table, scenario.isFenced(),
                scenario.recordsLostSignals(), dir.resolve("history-c" + id + ".log"), scenarioSeed + id, settings.lease(), settings.holdMin(),
                settings.holdMax(), settings.longHoldPercent(), settings.lease().multipliedBy(3).dividedBy(2),
                settings.lease().multipliedBy(3), settings.acquireWait(), settings.commandTimeout(), settings.redlockNodeTimeout());
    }

    /** The masters whose faults say when a majority was up; none for Sentinel or ZooKeeper, whose faults are of other kinds. */
    private static List<String> masterNames(Topology topology) {
        return topology instanceof Masters masters ? masters.nodes().stream().map(FaultableRedis::name).toList() : List.of();
    }

    /** Watches the fair queue of a scenario on one server of the test kit: the only topology the fair lock runs on here. */
    private FairQueueMonitor startQueueMonitor(Topology topology) {
        if (!(topology instanceof Masters masters) || masters.nodes().size() != 1 || !(masters.nodes().get(0) instanceof KitRedis node)) {
            throw new IllegalStateException(scenario.id() + ": the fair queue is watched on one server of the test kit, not on "
                    + topology.describe());
        }
        return FairQueueMonitor.start(node, new HistoryWriter(dir.resolve(QUEUE_HISTORY), FairOrder.PROCESS));
    }

    /** Tells every client to stop, then waits for each; one that hangs is a harness error (and a thread dump). */
    private static void stop(List<ClientProcess> clients, FaultLog log) throws InterruptedException {
        clients.forEach(ClientProcess::requestStop);
        for (ClientProcess client : clients) {
            if (!client.awaitExit(CLIENT_EXIT_TIMEOUT)) {
                log.error("client c" + client.id() + " did not stop within " + CLIENT_EXIT_TIMEOUT
                        + " (thread dump in client-" + client.id() + ".out)");
            } else if (client.exitCode() != 0) {
                log.error("client c" + client.id() + " exited with " + client.exitCode() + " (see client-" + client.id() + ".err)");
            }
        }
    }

    /** Reads every history, sorts the events by monotonic time, and writes them to {@code history.log}. */
    private List<Event> mergeHistories(List<ClientProcess> clients) {
        List<Path> files = new ArrayList<>(clients.stream().map(ClientProcess::history).toList());
        files.add(dir.resolve("history-nemesis.log"));
        if (Files.exists(dir.resolve(QUEUE_HISTORY))) {
            files.add(dir.resolve(QUEUE_HISTORY));
        }
        List<Event> events = new ArrayList<>();
        try {
            for (Path file : files) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    events.add(Event.parse(line));
                }
            }
            events.sort(Comparator.comparingLong(Event::mono));
            Files.write(dir.resolve("history.log"), events.stream().map(Event::format).toList(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot merge the histories in " + dir, e);
        }
        return events;
    }

    /** For each violation found, its description and the history lines of the acquisitions involved. */
    private List<String> excerpts(Checker.Findings findings, List<Event> history) {
        List<String> excerpts = new ArrayList<>();
        for (Checker.Violation violation : findings.examples()) {
            Set<String> involved = new HashSet<>(violation.leases());
            excerpts.add(violation.kind() + ": " + violation.description());
            history.stream().filter(event -> involved.contains(event.leaseId())).limit(EXCERPT_LINES)
                    .map(event -> "    " + event.format()).forEach(excerpts::add);
        }
        if (!excerpts.isEmpty()) {
            try {
                Files.write(dir.resolve("violations.txt"), excerpts, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return excerpts;
    }

    private void writePlan(FaultPlan plan, List<Nemesis> available, Map<String, String> skipped) {
        List<String> lines = new ArrayList<>();
        lines.add("# " + scenario.id() + ", seed " + seed + " (scenario seed " + seedOf(seed, scenario) + "): at_ms kind duration_ms");
        for (FaultPlan.Fault fault : plan.faults()) {
            lines.add(fault.at().toMillis() + " " + available.get(fault.nemesis()).kind() + " " + fault.duration().toMillis());
        }
        skipped.forEach((kind, reason) -> lines.add("# skipped " + kind + ": " + reason));
        try {
            Files.write(dir.resolve("plan.txt"), lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void recreate(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
