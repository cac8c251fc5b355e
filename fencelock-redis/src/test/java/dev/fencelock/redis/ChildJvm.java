package dev.fencelock.redis;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A child JVM running a main class of the test classpath. */
final class ChildJvm extends ChildProcess {
    private ChildJvm(Process process) {
        super(process);
    }

    static ChildJvm start(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                main.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(launch(new ProcessBuilder(command)));
    }
}
