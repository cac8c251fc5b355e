package dev.fencelock.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The processes of one run: the command and its descendants, and what left its tree (a subshell's
 * background job, a double fork, {@code setsid}, a daemon) but carries the run's
 * {@value #VARIABLE} in its environment, found in {@code /proc} on Linux among the processes of this
 * user. A process that left the tree and cleared its environment is not found, nor is another
 * user's that left it.
 */
final class RunProcesses {
    /** The environment variable that marks the processes of a run: a random id of its own. */
    static final String VARIABLE = "FENCELOCK_RUN";
    /**
     * The longest a search of {@code /proc} may take: reading a process's environment waits for its
     * memory map, which a process stuck in the kernel (a hung NFS mount) may hold for ever.
     */
    private static final long SEARCH_BOUND_MILLIS = 2_000;

    private final ProcessHandle command;
    private final String marker;

    private RunProcesses(ProcessHandle command, String marker) {
        this.command = command;
        this.marker = marker;
    }

    /** A new run's id, for {@link #VARIABLE} in the command's environment. */
    static String newRunId() {
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    /** The processes of the run of {@code command}, started with {@code runId} as its {@link #VARIABLE}. */
    static RunProcesses of(Process command, String runId) {
        return new RunProcesses(command.toHandle(), "\0" + VARIABLE + "=" + runId + "\0");
    }

    /** The processes of the run alive now: the command if it is, its descendants, and those marked. */
    List<ProcessHandle> alive() {
        return Stream.concat(Stream.of(command), marked().stream())
                .filter(ProcStat::isRunning)
                .flatMap(process -> Stream.concat(Stream.of(process), process.descendants()))
                .filter(ProcStat::isRunning)
                .distinct()
                .toList();
    }

    /** The processes of the run other than the command alive now: after it exited, what it left running. */
    List<ProcessHandle> leftBehind() {
        return alive().stream().filter(process -> !process.equals(command)).toList();
    }

    /** The processes of this user that carry the run's marker, as far as a bounded search finds them. */
    private List<ProcessHandle> marked() {
        Optional<String> user = ProcessHandle.current().info().user();
        long self = ProcessHandle.current().pid();
        CompletableFuture<List<ProcessHandle>> search = CompletableFuture.supplyAsync(() -> ProcessHandle.allProcesses()
                .filter(process -> process.pid() != self && process.info().user().equals(user) && isMarked(process.pid()))
                .toList(), RunProcesses::onDaemonThread);
        try {
            return search.get(SEARCH_BOUND_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private static void onDaemonThread(Runnable search) {
        Thread thread = new Thread(search, "fencelock-run-processes");
        thread.setDaemon(true);
        thread.start();
    }

    private boolean isMarked(long pid) {
        try {
            // Latin-1: byte for byte; the marker is ASCII.
            String environment = "\0" + new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
                    StandardCharsets.ISO_8859_1);
            return environment.contains(marker);
        } catch (IOException | RuntimeException e) {
            // Gone meanwhile, or no /proc: not found.
            return false;
        }
    }
}
