package dev.fencelock.cli;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import sun.misc.Signal;

/**
 * SIGTERM, SIGINT and SIGHUP to {@code fencelock run}, from the start of the run: once the command
 * runs they are forwarded to it (SIGINT not when it is Ctrl-C, which reached the command too), as a
 * shell's would be; before, they end the run without the command: the wait is cancelled, a lease
 * granted meanwhile released, and fencelock exits with 128 + the signal's number, as a shell does.
 * Without them installed that early, the JVM's own handling would exit at once, leaving a lease
 * granted at that moment held for its whole lease, and a command just started unsupervised.
 */
final class RunSignals {
    private static final List<String> HANDLED = List.of("TERM", "INT", "HUP");

    private final Thread waiting;
    private Process command; // guarded by this
    private Signal received; // guarded by this: the first signal before the command started

    private RunSignals(Thread waiting) {
        this.waiting = waiting;
    }

    /** Handles the signals from now on; {@code waiting}, the thread that waits for the lock, is interrupted by one. */
    static RunSignals install(Thread waiting) {
        RunSignals signals = new RunSignals(waiting);
        for (String name : HANDLED) {
            Signal.handle(new Signal(name), signals::receive);
        }
        return signals;
    }

    private void receive(Signal signal) {
        Process running;
        synchronized (this) {
            running = command;
            if (running == null) {
                if (received == null) {
                    received = signal;
                }
                waiting.interrupt();
                return;
            }
        }
        // Once the command has exited (the release under way), its pid may be another process's.
        if (running.isAlive() && !(signal.getName().equals("INT") && isCtrlCThatReachedTheCommand(running))) {
            send(running, signal.getName());
        }
    }

    /** The signal received before the command started, if one was: the run must end without it. */
    synchronized Optional<Signal> receivedBeforeTheCommand() {
        return Optional.ofNullable(received);
    }

    /** The exit code of a run that {@code signal} ended: 128 + its number, as a shell reports it. */
    static int exitCode(Signal signal) {
        return 128 + signal.getNumber();
    }

    /**
     * From now on, signals go to {@code started}; one that came while it was being started (after
     * {@link #receivedBeforeTheCommand} was asked) is sent to it now, and the waiting thread's
     * interrupt taken back.
     */
    void forwardTo(Process started) {
        Signal missed;
        synchronized (this) {
            command = started;
            missed = received;
            received = null;
        }
        if (missed != null) {
            Thread.interrupted();
            send(started, missed.getName());
        }
    }

    private static void send(Process command, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(command.pid())).start().waitFor();
        } catch (IOException e) {
            command.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether a SIGINT is most likely Ctrl-C, which the terminal sent the command as well: this
     * process and the command are both in their terminal's foreground process group, where the
     * terminal sends it to every process. Java cannot see who sent a signal, so a {@code kill -INT}
     * aimed at this process alone, there, is taken for Ctrl-C too. Never as a container's first
     * process, which stays in its terminal's foreground and whose SIGINT is the runtime's
     * ({@code docker kill}, a STOPSIGNAL), aimed at it alone.
     */
    private static boolean isCtrlCThatReachedTheCommand(Process child) {
        return ProcessHandle.current().pid() != 1 && isInTerminalForeground("self")
                && isInTerminalForeground(Long.toString(child.pid()));
    }

    /**
     * Whether the process is in its terminal's foreground process group (Linux: the pgrp and tpgid
     * fields of /proc/PID/stat, after the command name in parentheses); false without a terminal.
     */
    private static boolean isInTerminalForeground(String pid) {
        return ProcStat.fields(pid).filter(fields -> fields.length > 5)
                .map(fields -> fields[2].equals(fields[5])).orElse(false);
    }
}
