package dev.fencelock.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the demo started (worker processes, servers and their temporary directories) or wrote (its
 * keys in a Redis of the user's), ended once: when the demo ends, or from a shutdown hook when
 * Ctrl-C or SIGTERM ends the JVM, which skips finally blocks. Else a holder frozen with SIGSTOP
 * would stay frozen forever. Thread-safe.
 */
final class DemoCleanup implements AutoCloseable {
    private static final long EXIT_WAIT_SECONDS = 5;

    private final Thread hook = new Thread(this::close, "fencelock-demo-cleanup");
    private final List<Process> processes = new ArrayList<>(); // guarded by this
    private final Deque<AutoCloseable> resources = new ArrayDeque<>(); // guarded by this
    private boolean closed; // guarded by this

    private DemoCleanup() {}

    static DemoCleanup onExit() {
        DemoCleanup cleanup = new DemoCleanup();
        Runtime.getRuntime().addShutdownHook(cleanup.hook);
        return cleanup;
    }

    /** Ends {@code process} with the demo; one started while the demo ends is killed at once. */
    synchronized Process process(Process process) {
        if (closed) {
            process.destroyForcibly();
            throw new IllegalStateException("the demo is ending");
        }
        processes.add(process);
        return process;
    }

    /** Closes {@code resource} with the demo, after the processes and before what was registered earlier. */
    synchronized <T extends AutoCloseable> T resource(T resource) {
        if (closed) {
            closeQuietly(resource);
            throw new IllegalStateException("the demo is ending");
        }
        resources.push(resource);
        return resource;
    }

    /** Ends everything; a second caller (the hook, while the demo ends) waits until it is done. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // SIGKILL ends a process frozen with SIGSTOP as well; it need not be resumed first.
        processes.forEach(Process::destroyForcibly);
        for (Process process : processes) {
            try {
                process.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        resources.forEach(DemoCleanup::closeQuietly);
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting; the hook will find everything done.
            }
        }
    }

    /** Each one closed even if another fails: a server left running outlives the demo. */
    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            System.err.println("fencelock demo: cannot clean up " + resource + ": " + e.getMessage());
        }
    }
}
