package dev.fencelock.verify;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Sends Unix signals with kill(1): the JDK can send only SIGTERM and SIGKILL itself. */
final class Signals {
    private Signals() {}

    /**
     * SIGCONT to a frozen process about to get SIGKILL, so that a kill that fails never leaves it
     * frozen; quietly, because one that died meanwhile needs neither, and SIGKILL would end a
     * stopped process anyway.
     */
    static void continueBeforeKill(long pid) {
        try {
            send(pid, "CONT");
        } catch (IllegalStateException e) {
            // Gone already.
        }
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, {@code QUIT}) to process {@code pid}. */
    static void send(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes()).trim();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + pid, e);
        }
    }
}
