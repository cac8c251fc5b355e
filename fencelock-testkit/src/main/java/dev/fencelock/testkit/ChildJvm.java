package dev.fencelock.testkit;

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
}
