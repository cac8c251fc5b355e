package dev.fencelock.cli;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockAdmin;
import dev.fencelock.LockClient;
import dev.fencelock.LockException;
import dev.fencelock.LockInfo;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.ReleaseOutcome;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code fencelock run}: runs a command under the lock, like {@code flock(1)} for a cluster. The
 * lease is renewed while the command runs; if it is lost anyway, the command is stopped.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs a command under a lock, like flock(1) for a cluster.",
                "",
                "Acquires the lock, runs the command with FENCELOCK_TOKEN and FENCELOCK_NAME in its "
                        + "environment while the lease is renewed, releases when it exits, and exits with its code.",
                "Exit 73: not acquired within --wait. 75: lease lost (the command stopped, or found lost at the release). "
                        + "69: Redis (or ZooKeeper) unreachable or refusing. "
                        + "64: bad arguments. 127: the command could not be started. "
                        + "128+n: signal n before the command started (not run, the lock not held)."})
final class RunCommand implements Callable<Integer> {
    private static final Duration INDICATOR_AFTER = Duration.ofSeconds(2);

    @Spec
    CommandSpec spec;

    @Mixin
    RedisOptions redis;

    @Option(names = "--name", required = true, description = "the lock's name")
    String name;

    @Option(names = "--wait", defaultValue = "30s", converter = DurationConverter.class,
            description = "how long to wait for the lock; 0 tries once (default: ${DEFAULT-VALUE})")
    Duration wait;

    @Option(names = "--lease", defaultValue = "30s", converter = DurationConverter.class,
            description = "the lease, renewed at a third of it while the command runs (default: ${DEFAULT-VALUE})")
    Duration lease;

    @Option(names = "--grace", defaultValue = "10s", converter = DurationConverter.class,
            description = "after a lost lease, how long the command has between SIGTERM and SIGKILL (default: ${DEFAULT-VALUE})")
    Duration grace;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "the command and its arguments; options after its first word are its own")
    List<String> command;

    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (lease.compareTo(RedisOptions.MIN_LEASE) < 0 || lease.compareTo(LeaseOptions.MAX_LEASE) > 0) {
            throw new ParameterException(spec.commandLine(), "--lease must be between " + RedisOptions.MIN_LEASE.toMillis()
                    + "ms and " + LeaseOptions.MAX_LEASE.toHours() + "h, was " + lease.toMillis() + "ms");
        }
        LeaseOptions leaseOptions = LeaseOptions.renewing(lease);
        if (wait.isNegative() || grace.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--wait and --grace must not be negative");
        }
        RunSignals signals = RunSignals.install(Thread.currentThread());
        try (LockClient client = redis.connect(lease)) {
            Lease held;
            try {
                held = acquire(client, leaseOptions);
            } catch (LockTimeoutException e) {
                err.println("fencelock: " + e.getMessage());
                return ExitCodes.NOT_ACQUIRED;
            }
            // runUnder releases once the command has run; close() (then a no-op) covers a command
            // that could not be started, a signal before it was, and a failure on the way.
            try (held) {
                Optional<Signal> signal = signals.receivedBeforeTheCommand();
                return signal.isPresent() ? endedBy(signal.get()) : runUnder(held, signals);
            }
        } catch (InterruptedException | RuntimeException e) {
            // A signal interrupts the wait, or the connection on its way (a failure of its own then).
            Optional<Signal> signal = signals.receivedBeforeTheCommand();
            if (signal.isEmpty()) {
                throw e;
            }
            return endedBy(signal.get());
        }
    }

    private int endedBy(Signal signal) {
        err.println("fencelock: SIG" + signal.getName() + " before the command started: not run, the lock '" + name
                + "' not held");
        return RunSignals.exitCode(signal);
    }

    /** Acquires, with a one-line waiting indicator on a terminal once the wait passes 2 s. */
    private Lease acquire(LockClient client, LeaseOptions leaseOptions) throws InterruptedException {
        DistributedLock lock = client.lock(name);
        CompletableFuture<Lease> acquisition = lock.acquireAsync(wait, leaseOptions);
        boolean indicate = isTerminal();
        long start = System.nanoTime();
        boolean shown = false;
        try {
            while (true) {
                try {
                    Lease lease = acquisition.get(indicate ? 500 : Long.MAX_VALUE, TimeUnit.MILLISECONDS);
                    if (shown) {
                        err.print("\r\033[K");
                    }
                    return lease;
                } catch (TimeoutException e) {
                    Duration waited = Duration.ofNanos(System.nanoTime() - start);
                    if (waited.compareTo(INDICATOR_AFTER) >= 0) {
                        err.print("\r\033[K" + waiting(waited, client.admin(), name));
                        shown = true;
                    }
                } catch (ExecutionException e) {
                    if (shown) {
                        err.println();
                    }
                    throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            // Else it may still acquire, and hold the lock for a run that is not going to happen.
            acquisition.cancel(false);
            throw e;
        }
    }

    /**
     * The waiting indicator's line, from a look-up that may fail: the wait may be outlasting a
     * store that does not answer now (--outage-allowance), and the indicator must not end it.
     */
    static String waiting(Duration waited, LockAdmin admin, String name) {
        try {
            return waiting(waited, admin.inspect(name));
        } catch (LockException e) {
            return waiting(waited, name, "holder unknown (" + e.getMessage() + ")");
        }
    }

    /** The waiting indicator's line: how long, and who holds the lock now (readers and permits too). */
    static String waiting(Duration waited, LockInfo info) {
        return waiting(waited, info.name(), info.isHeld() ? StatusCommand.holding(info) : "being released");
    }

    private static String waiting(Duration waited, String name, String holders) {
        return "fencelock: waiting " + waited.toSeconds() + " s for '" + name + "', " + holders;
    }

    private int runUnder(Lease held, RunSignals signals) throws InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("FENCELOCK_TOKEN", Long.toString(held.fencingToken()));
        builder.environment().put("FENCELOCK_NAME", name);
        String runId = RunProcesses.newRunId();
        builder.environment().put(RunProcesses.VARIABLE, runId);
        Process child;
        try {
            child = builder.start();
        } catch (IOException e) {
            err.println("fencelock: cannot run " + command.get(0) + ": " + e.getMessage());
            return ExitCodes.COMMAND_NOT_STARTED;
        }
        signals.forwardTo(child);
        RunProcesses processes = RunProcesses.of(child, runId);
        // Whichever comes first decides how the run ends: a loss while the command runs stops it;
        // a loss after it exited is the release's to find, with no command left to stop.
        AtomicBoolean decided = new AtomicBoolean();
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        held.onLost(loss -> {
            if (decided.compareAndSet(false, true)) {
                stop(processes, loss).whenComplete((done, failure) -> stopped.complete(null));
            }
        });
        int exit = child.waitFor();
        if (decided.compareAndSet(false, true)) {
            int code = release(held, exit);
            warnOfLeftBehind(processes, exit);
            return code;
        }
        // The command may be gone while what it started ignores SIGTERM: stay for its SIGKILL.
        stopped.join();
        return ExitCodes.LEASE_LOST;
    }

    /**
     * Releases the lock after the command exited on its own, and says how the run ended: the
     * command's exit code, unless the release finds that the lease had been lost meanwhile.
     */
    private int release(Lease held, int exit) {
        ReleaseOutcome outcome;
        try {
            outcome = held.release();
        } catch (LockException e) {
            // The command has run: exiting 69 would have a scheduler run it again.
            err.println("fencelock: the lock '" + name + "' was not released (" + e.getMessage()
                    + "); it ends with its lease, at most " + lease.toMillis() + " ms from now");
            return exit;
        }
        if (outcome == ReleaseOutcome.ALREADY_LOST) {
            // Lost since the last renewal (a release --force, a failover, an eviction): the
            // command may have run on without the lock for part of that time.
            err.println("fencelock: the release found the lease of lock '" + name + "' already lost after the command"
                    + " exited with " + exit + "; part of its run may not have been under the lock");
            return ExitCodes.LEASE_LOST;
        }
        return exit;
    }

    /**
     * As flock(1)'s lock is held by the background jobs that inherit its descriptor, and this one is
     * not: says so, rather than release quietly under what the command left running.
     */
    private void warnOfLeftBehind(RunProcesses processes, int exit) {
        List<Long> left = processes.leftBehind().stream().map(ProcessHandle::pid).toList();
        if (!left.isEmpty()) {
            err.println("fencelock: the command exited with " + exit + " and left processes " + left
                    + " running; they run on without the lock '" + name + "'");
        }
    }

    /**
     * After a lost lease: SIGTERM now to the command and every process of the run (see {@link
     * RunProcesses}), SIGKILL after the grace period to those left and to what they started
     * meanwhile. Signals forwarded to fencelock go to the command alone, as a shell's would; a lost
     * lease must stop them all, else a script's background job runs on unfenced.
     */
    private CompletableFuture<Void> stop(RunProcesses processes, LockLostException loss) {
        err.println("fencelock: " + loss.getMessage() + "; stopping the command and the processes it started"
                + " (SIGTERM, SIGKILL after " + grace.toMillis() + " ms)");
        List<ProcessHandle> signalled = processes.alive();
        signalled.forEach(ProcessHandle::destroy);
        return CompletableFuture.allOf(signalled.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, grace.toMillis(), TimeUnit.MILLISECONDS)
                .thenRun(() -> {
                    // Those signalled too: one that left the tree and cleared its environment is found by its handle only.
                    List<Long> refused = Stream.concat(signalled.stream(), processes.alive().stream())
                            .filter(ProcessHandle::isAlive).distinct()
                            .filter(process -> !process.destroyForcibly() && process.isAlive())
                            .map(ProcessHandle::pid).toList();
                    if (!refused.isEmpty()) {
                        err.println("fencelock: cannot stop processes " + refused + " of the command (another user's?);"
                                + " they run on without the lock");
                    }
                });
    }

    /** Whether stderr is a terminal (Linux: fd 2 is a tty device). */
    private static boolean isTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
