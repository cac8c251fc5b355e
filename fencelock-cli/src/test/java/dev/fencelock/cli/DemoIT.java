package dev.fencelock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo, end to end with real processes: it must pass, and say why. */
@RedisTest
class DemoIT {

    @Test
    void theDemoShowsExclusionARaceWithoutTheLockAndFencedStaleWritesToRedisAndPostgres(RedisServer redis) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = Main.commandLine().execute("demo", "--redis", redis.uri(), "--workers", "3", "--increments", "60");
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        original.print(output);

        assertThat(exit).as("demo exit code").isZero();
        assertThat(output)
                .contains("expected 180, observed 180, lost updates 0")
                .containsPattern("REJECTED its write: token \\d+ is older than \\d+")
                .containsPattern("REJECTED its database write: stale fencing token for demo-counter: token \\d+ is older than token \\d+")
                .contains("demo passed");
        assertThat(redis.call("EXISTS", DemoCommand.COUNTER, DemoCommand.READY, DemoCommand.FENCED_REPORT))
                .as("the demo's keys left in the Redis it was given").isEqualTo(0L);
    }

    @Test
    void aDemoEndedBySigtermLeavesNoProcessItStartedRunning(RedisServer redis, @TempDir Path dir) throws Exception {
        // Enough increments that the workers would run on for minutes after the demo.
        try (FencelockProcess demo = FencelockProcess.start(dir,
                "demo", "--redis", redis.uri(), "--workers", "2", "--increments", "100000")) {
            Poll.until("both workers of the demo's first round connected", Duration.ofSeconds(60),
                    () -> "2".equals(redis.call("GET", DemoCommand.READY)));
            List<ProcessHandle> started = demo.process().descendants().toList();
            assertThat(started).as("the demo's worker processes").hasSizeGreaterThanOrEqualTo(2);

            demo.signal("TERM");
            demo.awaitExit(Duration.ofSeconds(60));
            assertThat(redis.call("EXISTS", DemoCommand.COUNTER, DemoCommand.READY))
                    .as("the demo's keys left in the Redis it was given").isEqualTo(0L);

            for (ProcessHandle process : started) {
                Poll.until("the end of process " + process.pid() + " started by the demo", Duration.ofSeconds(20),
                        () -> !FencelockProcess.isRunning(process.pid()));
            }
        }
    }

    @Test
    void aWorkerGetsTheRedisUriInItsEnvironmentWherePsDoesNotShowIt(RedisServer redis) throws Exception {
        Process worker = DemoWorker.start("locked", redis.uri(), "1", Optional.empty());
        try {
            String commandLine = Files.readString(Path.of("/proc", Long.toString(worker.pid()), "cmdline")).replace('\0', ' ');
            assertThat(commandLine).as("the worker's command line, as ps shows it")
                    .contains(DemoWorker.class.getName())
                    .doesNotContain(redis.uri());
        } finally {
            worker.destroyForcibly().waitFor();
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheAllowedRange() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = Main.commandLine().execute("demo", "--workers", "1");
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("--workers must be between 2 and 32, was 1");
    }
}
