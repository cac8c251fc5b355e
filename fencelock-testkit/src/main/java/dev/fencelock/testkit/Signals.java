package dev.fencelock.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/** Signals to the servers and clients that the test kit runs, with kill(1). */
final class Signals {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private Signals() {}

    /**
     * Sends SIG{@code name} to {@code pid}. After STOP, waits until every thread of the process is
     * stopped: kill(1) returns once the signal is sent, and a busy thread of a loaded machine can
     * still answer a request before it stops, which a test that froze the process would take for
     * a process that runs.
     */
    static void send(long pid, String name) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor();
        if (exit != 0) {
            throw new IOException("kill -" + name + " " + pid + " exited with " + exit);
        }
        if (name.equals("STOP")) {
            Poll.until("every thread of process " + pid + " stopped", STOP_TIMEOUT, () -> isStopped(pid));
        }
    }

    /** Whether every thread of the process is stopped (state T in /proc), or the process is gone. */
    private static boolean isStopped(long pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.allMatch(task -> threadState(task) == 'T');
        } catch (IOException gone) {
            return true;
        }
    }

    private static char threadState(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            // The state follows the command name, which is in parentheses and may hold spaces.
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException | UncheckedIOException gone) {
            return 'T';
        }
    }
}
