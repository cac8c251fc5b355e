package dev.fencelock.cli;

import dev.fencelock.testkit.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code fencelock} command run as its own JVM process, as an operator's shell would run it. */
final class FencelockProcess implements AutoCloseable {
    /** What Ctrl-C types: the terminal turns it into SIGINT for its foreground process group. */
    static final char CTRL_C = 3;
    /** util-linux's, which gives a command a pseudo-terminal of its own. */
    static final Path SCRIPT = Path.of("/usr/bin/script");

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private FencelockProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static FencelockProcess start(Path dir, String... args) {
        return start(dir, fencelock(args), false);
    }

    /**
     * Starts it in a terminal of its own ({@link #SCRIPT}, on a pseudo-terminal), in the
     * terminal's foreground process group, as a shell without job control would: what the test
     * {@linkplain #type types} reaches it as from a keyboard.
     */
    static FencelockProcess startInTerminal(Path dir, String... args) {
        String commandLine = String.join(" ",
                fencelock(args).stream().map(word -> "'" + word.replace("'", "'\\''") + "'").toList());
        return start(dir, List.of(SCRIPT.toString(), "--quiet", "--return", "--command", commandLine, "/dev/null"), true);
    }

    /** Runs the JVM's {@code java} with this class path, as the launcher would run the jar. */
    static List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-XX:TieredStopAtLevel=1",
                mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private static List<String> fencelock(String... args) {
        return java(Main.class.getName(), args);
    }

    private static FencelockProcess start(Path dir, List<String> command, boolean inTerminal) {
        try {
            Path out = Files.createTempFile(dir, "fencelock", ".out");
            Path err = Files.createTempFile(dir, "fencelock", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().remove("REDIS_URL");
            if (inTerminal) {
                // script runs the command with $SHELL -c, which may be a login shell that refuses to run one.
                builder.environment().put("SHELL", "/bin/sh");
            }
            return new FencelockProcess(builder.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs to completion, at most {@code timeout}. */
    static FencelockProcess run(Path dir, Duration timeout, String... args) throws InterruptedException {
        FencelockProcess process = start(dir, args);
        process.awaitExit(timeout);
        return process;
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("fencelock still running after " + timeout + "; stderr: " + stderr());
        }
        return process.exitValue();
    }

    int exitCode() {
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    /**
     * Waits for a minute at most until the command run by this process creates {@code file} (which
     * it writes whole, by a rename, where the test reads it), and says what the process printed if it never does.
     */
    void awaitFile(Path file) throws InterruptedException {
        try {
            Poll.until(file + " created by the command", Duration.ofSeconds(60), () -> Files.exists(file));
        } catch (AssertionError missing) {
            throw new AssertionError(missing.getMessage() + "; stderr: " + stderr(), missing);
        }
    }

    /** Waits for a minute at most until the process printed {@code text}, and says what it printed if it never does. */
    void awaitOutput(String text) throws InterruptedException {
        try {
            Poll.until("'" + text + "' printed", Duration.ofSeconds(60), () -> stdout().contains(text));
        } catch (AssertionError missing) {
            throw new AssertionError(missing.getMessage() + "; stdout: " + stdout() + "; stderr: " + stderr(), missing);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Alive and not a zombie (see {@link ProcStat#isRunning}). */
    static boolean isRunning(long pid) {
        return ProcessHandle.of(pid).map(ProcStat::isRunning).orElse(false);
    }

    /** Types {@code key} at the terminal of a process {@linkplain #startInTerminal started in one}. */
    void type(char key) throws IOException {
        process.getOutputStream().write(key);
        process.getOutputStream().flush();
    }

    /** Sends a signal such as TERM with kill(1). */
    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    }

    @Override
    public void close() {
        // The command it ran, too: a fencelock killed with -9 leaves its child behind.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
