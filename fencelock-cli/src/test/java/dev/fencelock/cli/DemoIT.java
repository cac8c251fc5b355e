package dev.fencelock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
