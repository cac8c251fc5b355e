package dev.fencelock.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What Linux's {@code /proc/PID/stat} says of a process: its state, its process group, its terminal's foreground group. */
final class ProcStat {
    private ProcStat() {}

    /**
     * The fields of {@code /proc/PID/stat} after the command name, which is in parentheses and may
     * hold spaces and parentheses itself: the state first, the process group third, the terminal's
     * foreground process group sixth. Empty when there is nothing to read (gone, or no {@code /proc}).
     */
    static Optional<String[]> fields(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            return Optional.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Alive and not a zombie: an orphan's zombie stays until its new parent reaps it, which some
     * containers' first process never does, and is no process to stop or wait for. Without
     * {@code /proc} to read, alive as Java sees it.
     */
    static boolean isRunning(ProcessHandle process) {
        return process.isAlive() && fields(Long.toString(process.pid())).map(fields -> !fields[0].equals("Z")).orElse(true);
    }
}
