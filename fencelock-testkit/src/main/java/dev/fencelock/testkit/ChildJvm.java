package dev.fencelock.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM running a main class of the test's class path, whose stdout lines can be awaited: for
 * claims about processes (a holder killed with SIGKILL, paused with SIGSTOP). Closing it kills the
 * process if it still runs.
 */
public final class ChildJvm extends ChildProcess {
    private ChildJvm(Process process) {
        super(process);
    }

    /** Starts {@code main} with {@code args} in a JVM of this JVM's java and class path. */
    public static ChildJvm start(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                main.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(launch(new ProcessBuilder(command)));
    }

    /**
     * Starts the main class named {@code main} of this JVM's class path as a server would run: after
     * {@code prefix} (such as {@code ip netns exec NAME}, which execs the JVM in place, so the pid and
     * the signals stay its own), with {@code jvmOptions}, full compilation, and stdout and stderr
     * appended to {@code log}.
     */
    static ChildJvm startServer(List<String> prefix, List<String> jvmOptions, String main, List<String> args, Path log) {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Xshare:auto"));
        command.addAll(jvmOptions);
        command.add(main);
        command.addAll(args);
        try {
            return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(log.toFile())).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + main, e);
        }
    }
}
