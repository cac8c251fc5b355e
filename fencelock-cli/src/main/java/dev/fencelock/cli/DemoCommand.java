package dev.fencelock.cli;

import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.redis.FencedRedis;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.RedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Shows, with real processes, what the lock promises: no lost update under the lock, lost updates
 * without it, and a paused holder's stale writes rejected by its fencing token, in Redis and in
 * PostgreSQL.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Shows with real processes what the lock and fencing tokens prevent.",
                "",
                "Runs worker processes that increment one counter in Redis by read-modify-write, "
                        + "first under the lock, then without it, then pauses a holder past its lease "
                        + "and shows its stale writes rejected by the fencing token: in Redis, and in PostgreSQL "
                        + "when one can be had.",
                "Uses the Redis at REDIS_URL, or starts a local redis-server when it is unset; the PostgreSQL at "
                        + "FENCELOCK_PG_URL, else the one on 127.0.0.1:5432 (database test), else an embedded one.",
                "With --zookeeper the locks (and their fencing tokens, zxids) come from ZooKeeper instead."})
final class DemoCommand implements Callable<Integer> {
    static final String COUNTER = "fencelock-demo:counter";
    /** How many workers of the round have connected. */
    static final String READY = "fencelock-demo:ready";
    private static final Duration WORKER_START = Duration.ofMinutes(2);
    static final String FENCED_REPORT = "fencelock-demo:report";
    static final String LOCK = "demo-counter";
    /** What {@code --zookeeper} without an ensemble stands for. */
    static final String START_ZOOKEEPER = "start";

    @Option(names = "--redis", description = "Redis URI (default: REDIS_URL, else a redis-server started for the demo)")
    String redis = System.getenv("REDIS_URL");

    @Option(names = "--zookeeper", arity = "0..1", fallbackValue = START_ZOOKEEPER, paramLabel = "HOST:PORT[,...]",
            description = "keep the locks in ZooKeeper: this ensemble, or a ZooKeeper server started for the demo when none"
                    + " is given (the counter and the fenced value stay in Redis)")
    String zookeeper;

    @Option(names = "--workers", description = "worker processes (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int workers;

    @Option(names = "--increments", description = "increments per worker (default: ${DEFAULT-VALUE})", defaultValue = "150")
    int increments;

    @Spec
    CommandSpec spec;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (workers < 2 || workers > 32) {
            throw new ParameterException(spec.commandLine(),
                    "--workers must be between 2 and 32, was " + workers);
        }
        if (increments < 1 || increments > 100_000) {
            throw new ParameterException(spec.commandLine(),
                    "--increments must be between 1 and 100000, was " + increments);
        }
        try (DemoCleanup cleanup = DemoCleanup.onExit()) {
            String uri = redis;
            if (uri == null || uri.isBlank()) {
                uri = cleanup.resource(RedisServer.start()).uri();
                out.println("REDIS_URL is unset: started redis-server on " + uri);
            } else {
                out.println("using the Redis at " + (uri.equals(System.getenv("REDIS_URL")) ? "REDIS_URL" : "--redis"));
                cleanup.resource(DemoWorker.keysDeletedAtEnd(uri));
            }
            if (START_ZOOKEEPER.equals(zookeeper)) {
                zookeeper = cleanup.resource(DemoZooKeeper.start()).connectString();
                out.println("the locks live in ZooKeeper: started a ZooKeeper server on " + zookeeper);
            } else if (zookeeper != null) {
                out.println("the locks live in the ZooKeeper ensemble at " + zookeeper);
            }
            boolean exclusive;
            boolean raced;
            boolean fenced;
            try {
                exclusive = counterRound(cleanup, uri, "locked");
                raced = !counterRound(cleanup, uri, "unlocked");
                fenced = pausedHolder(cleanup, uri);
            } catch (WorkersFailed e) {
                // The machine's, not fencelock's: exit 1 as for a failed check, not 70 with a stack trace.
                out.println();
                out.println("demo FAILED: " + e.getMessage());
                return 1;
            }
            out.println();
            out.println(exclusive && raced && fenced
                    ? "demo passed: the lock excluded, its absence raced, and fencing stopped the paused holder"
                    : "demo FAILED: see above");
            return exclusive && raced && fenced ? 0 : 1;
        }
    }

    /** Runs the workers, then prints expected, observed and lost; true when nothing was lost. */
    private boolean counterRound(DemoCleanup cleanup, String uri, String mode) throws Exception {
        out.println();
        out.printf("%d worker processes each increment %s %d times (GET, pause 1 ms, SET) %s:%n",
                workers, COUNTER, increments, mode.equals("locked") ? "under the lock '" + LOCK + "'" : "WITHOUT the lock");
        DemoWorker.resetCounter(uri);
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            processes.add(cleanup.process(DemoWorker.start(mode, uri, Integer.toString(increments), Optional.ofNullable(zookeeper))));
        }
        // All connected before any starts: else the workers of a slow machine would run one after
        // another, and the round without the lock would lose nothing.
        long deadline = System.nanoTime() + WORKER_START.toNanos();
        while (DemoWorker.workersReady(uri) < workers) {
            if (System.nanoTime() - deadline > 0 || processes.stream().anyMatch(process -> !process.isAlive())) {
                throw new WorkersFailed("the workers did not all connect within " + WORKER_START + "; see their output above");
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        for (Process process : processes) {
            try (OutputStream start = process.getOutputStream()) {
                start.write('\n');
            }
        }
        for (Process process : processes) {
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new WorkersFailed("a worker failed; see its output above");
            }
        }
        long observed = DemoWorker.readCounter(uri);
        long expected = (long) workers * increments;
        out.printf("  expected %d, observed %d, lost updates %d%n", expected, observed, expected - observed);
        return observed == expected;
    }

    /**
     * A holder process takes the lock, is frozen with SIGSTOP past its lease, and writes after the
     * next holder did, to Redis and (when there is a PostgreSQL) to a database row: each stale write
     * must be rejected.
     */
    private boolean pausedHolder(DemoCleanup cleanup, String uri) throws Exception {
        out.println();
        out.println(zookeeper == null
                ? "A holder process takes the lock (2 s lease, renewed), is frozen with SIGSTOP past its lease,"
                : "A holder process takes the lock (its lease: a " + DemoWorker.ZOOKEEPER_SESSION.toSeconds()
                        + " s ZooKeeper session), is frozen with SIGSTOP past its session,");
        out.println("and writes after the next holder did:");
        DemoWorker.resetReport(uri);
        StringBuilder noDatabase = new StringBuilder();
        Optional<DemoDatabase> database = DemoDatabase.start(noDatabase).map(cleanup::resource);
        out.println(database.map(db -> "  the database write goes to " + db.description())
                .orElse("  the database write is skipped: no PostgreSQL (" + noDatabase + ")"));
        Process holder = cleanup.process(DemoWorker.start("paused-holder", uri, "2000", Optional.ofNullable(zookeeper),
                database.map(DemoDatabase::url)));
        try (LockClient locks = DemoWorker.locks(uri, zookeeper, RedisLockOptions.DEFAULT_LEASE);
                FencedRedis resource = RedisLocks.fencedRedis(uri);
                BufferedReader fromHolder = new BufferedReader(
                        new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
                Writer toHolder = new OutputStreamWriter(holder.getOutputStream(), StandardCharsets.UTF_8)) {
            String acquired = fromHolder.readLine();
            out.println("  holder:  " + acquired);
            signal(holder, "STOP");
            out.println(zookeeper == null ? "  holder frozen (SIGSTOP); its watchdog cannot renew"
                    : "  holder frozen (SIGSTOP); its session goes unconfirmed");
            try (Lease lease = locks.lock(LOCK).acquire(Duration.ofSeconds(10))) {
                FencedRedis.Write write = resource.write(FENCED_REPORT, "written by the demo", lease.fencingToken());
                out.printf("  next holder: acquired with fencing token %d after the frozen " + (zookeeper == null ? "lease ran out" : "session expired") + "; write %s%n",
                        lease.fencingToken(), write.accepted() ? "accepted" : "rejected");
                if (database.isPresent()) {
                    database.get().write(LOCK, lease.fencingToken(), "written by the demo");
                    out.println("  next holder: database write accepted (JdbcFence.check, then UPDATE, in one transaction)");
                }
            }
            signal(holder, "CONT");
            out.println("  holder resumed (SIGCONT) and writes with its old token:");
            toHolder.write("write\n");
            toHolder.flush();
            List<String> said = new ArrayList<>();
            for (String line = fromHolder.readLine(); line != null; line = fromHolder.readLine()) {
                out.println("  holder:  " + line);
                said.add(line);
            }
            holder.waitFor(30, TimeUnit.SECONDS);
            boolean redisRejected = said.stream().anyMatch(line -> line.startsWith("REJECTED its write"));
            boolean databaseRejected = said.stream().anyMatch(line -> line.startsWith("REJECTED its database write"));
            return redisRejected && (database.isEmpty() || databaseRejected);
        }
    }

    private static void signal(Process process, String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /** The demo's worker processes did not start or finish: the run cannot tell what the lock did. */
    private static final class WorkersFailed extends RuntimeException {
        WorkersFailed(String message) {
            super(message);
        }
    }
}
