package dev.fencelock.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short system command (ip, tc, an install script) and returns its exit code and output. */
final class Shell {
    private Shell() {}

    /** The outcome of a command: its exit code and its stdout and stderr, merged. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Runs {@code command}, waiting at most {@code timeoutSeconds}; a command that cannot start exits with 127. */
    static Result run(long timeoutSeconds, String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(124, String.join(" ", command) + " took longer than " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new Result(127, "cannot run " + command[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + List.of(command), e);
        }
    }

    /** Runs {@code command} (10 s at most) and throws with its output unless it exits with 0. */
    static void check(String... command) {
        Result result = run(10, command);
        if (!result.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + result.exit() + ": " + result.output());
        }
    }
}
