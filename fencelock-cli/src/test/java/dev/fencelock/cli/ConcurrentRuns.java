package dev.fencelock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts several {@code fencelock run} processes on one lock name at once, each appending a start
 * and an end line with its token to one log, and checks what the lock promises whatever the store:
 * no run starts before the previous one ended, and each run's token is greater than the last.
 */
final class ConcurrentRuns {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(60);

    private ConcurrentRuns() {}

    /** {@code store}: the options that say where the locks live ({@code --redis URI}, {@code --zookeeper HOSTS}). */
    static void assertNeverInterleave(Path dir, int runCount, String... store) throws Exception {
        Path log = dir.resolve("log");
        String script = "echo \"start $FENCELOCK_TOKEN\" >> " + log + "; sleep 0.2; echo \"end $FENCELOCK_TOKEN\" >> " + log;
        List<FencelockProcess> runs = new ArrayList<>();
        try {
            for (int i = 0; i < runCount; i++) {
                List<String> args = new ArrayList<>(List.of("run"));
                args.addAll(List.of(store));
                args.addAll(List.of("--name", "append", "--wait", "60s", "--", "sh", "-c", script));
                runs.add(FencelockProcess.start(dir, args.toArray(String[]::new)));
            }
            for (FencelockProcess run : runs) {
                assertThat(run.awaitExit(EXIT_WAIT)).as("exit code; stderr: %s", run.stderr()).isZero();
            }
        } finally {
            runs.forEach(FencelockProcess::close);
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(2 * runCount);
        long previous = 0;
        for (int i = 0; i < lines.size(); i += 2) {
            String token = lines.get(i).substring("start ".length());
            assertThat(lines.get(i)).startsWith("start ");
            assertThat(lines.get(i + 1)).as("the line after %s", lines.get(i)).isEqualTo("end " + token);
            assertThat(Long.parseLong(token)).as("tokens increase").isGreaterThan(previous);
            previous = Long.parseLong(token);
        }
    }
}
