package dev.fencelock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.LockException;
import dev.fencelock.LockTimeoutException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line is parsed, and refused, without Redis. */
class MainTest {

    @Test
    void runParsesItsOptionsAndTheCommandAfterTheDoubleDash() {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(
                "run", "--name", "nightly-report", "--wait", "0", "--lease", "500ms", "--grace", "2m",
                "--redis", "redis://cache:6380", "--", "./report.sh", "--since", "yesterday");
        RunCommand run = (RunCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(run.name).isEqualTo("nightly-report");
        assertThat(run.wait).isZero();
        assertThat(run.lease).isEqualTo(Duration.ofMillis(500));
        assertThat(run.grace).isEqualTo(Duration.ofMinutes(2));
        assertThat(run.redis.uris()).containsExactly("redis://cache:6380");
        assertThat(run.command).containsExactly("./report.sh", "--since", "yesterday");
    }

    @Test
    void runsOptionsEndAtTheCommandsFirstWordAsWithFlock() {
        for (List<String> args : List.of(
                List.of("run", "--name", "backup", "pg_dump", "-h", "db", "--wait", "0"),
                List.of("run", "--name", "backup", "--", "pg_dump", "-h", "db", "--wait", "0"))) {
            CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new)).subcommand();
            RunCommand run = (RunCommand) parsed.commandSpec().userObject();
            assertThat(run.command).as("the command of %s", args).containsExactly("pg_dump", "-h", "db", "--wait", "0");
            assertThat(parsed.isUsageHelpRequested()).as("run's help asked for by the command's -h in %s", args).isFalse();
            assertThat(run.wait).as("fencelock's --wait, given only to the command, in %s", args).isEqualTo(Duration.ofSeconds(30));
        }
    }

    @Test
    void anArgumentNamingAFileReachesTheCommandAsTyped(@TempDir Path dir) throws Exception {
        Path body = Files.writeString(dir.resolve("body.json"), "{\"user\": \"bob\"} --wait 0");
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(
                "run", "--name", "post", "@" + body, "--", "curl", "-d", "@" + body).subcommand();
        RunCommand run = (RunCommand) parsed.commandSpec().userObject();
        assertThat(run.command).as("the command, its '@file' arguments not replaced by the file's words")
                .containsExactly("@" + body, "--", "curl", "-d", "@" + body);
        assertThat(run.wait).as("fencelock's --wait, not read from the file").isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theLocksMayLiveInZooKeeper() {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(
                "run", "--name", "n", "--zookeeper", "zk1:2181,zk2:2181", "--zookeeper-root", "/jobs",
                "--outage-allowance", "2m", "--", "true");
        RunCommand run = (RunCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(run.redis.zookeeper).isEqualTo("zk1:2181,zk2:2181");
        assertThat(run.redis.zookeeperRoot).isEqualTo("/jobs");
        assertThat(run.redis.outageAllowance).isEqualTo(Duration.ofMinutes(2));

        DemoCommand ownZooKeeper = (DemoCommand) Main.commandLine().parseArgs("demo", "--zookeeper", "--workers", "2")
                .subcommand().commandSpec().userObject();
        assertThat(ownZooKeeper.zookeeper).as("--zookeeper without an ensemble").isEqualTo(DemoCommand.START_ZOOKEEPER);
        assertThat(ownZooKeeper.workers).isEqualTo(2);
        DemoCommand given = (DemoCommand) Main.commandLine().parseArgs("demo", "--zookeeper", "zk:2181")
                .subcommand().commandSpec().userObject();
        assertThat(given.zookeeper).isEqualTo("zk:2181");
        DemoCommand redisOnly = (DemoCommand) Main.commandLine().parseArgs("demo").subcommand().commandSpec().userObject();
        assertThat(redisOnly.zookeeper).isNull();
    }

    @Test
    void runHasDefaults() {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs("run", "--name", "n", "--", "true");
        RunCommand run = (RunCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(run.wait).isEqualTo(Duration.ofSeconds(30));
        assertThat(run.lease).isEqualTo(Duration.ofSeconds(30));
        assertThat(run.grace).isEqualTo(Duration.ofSeconds(10));
        assertThat(run.redis.namespace).isEqualTo("fencelock:");
    }

    @Test
    void durationsAcceptUnitsAndIso8601() {
        DurationConverter converter = new DurationConverter();
        assertThat(converter.convert("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(converter.convert("45")).isEqualTo(Duration.ofSeconds(45));
        assertThat(converter.convert("3h")).isEqualTo(Duration.ofHours(3));
        assertThat(converter.convert("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void badArgumentsExit64WithAUsageLine() {
        for (List<String> args : List.of(
                List.of("run", "--name", "n"),                            // no command
                List.of("run", "--", "true"),                             // no name
                List.of("run", "--name", "n", "--wait", "soon", "--", "true"),
                List.of("run", "--name", "n", "--lease", "10ms", "--", "true"),
                List.of("run", "--name", "n", "--redis", "redis://a", "--redis", "redis://b", "--", "true"), // Redlock needs 3
                List.of("run", "--name", "n", "--redis", "http://a", "--", "true"),
                List.of("status"),
                List.of("status", "--name", "n", "--zookeeper", "no-port"),
                List.of("status", "--name", "n", "--zookeeper", "zk:2181", "--zookeeper-root", "relative"),
                List.of("status", "--name", "n", "--zookeeper", "zk:2181", "--outage-allowance", "48h"),
                List.of("status", "--name", "n", "--redis", "redis://a", "--outage-allowance", "1m"),  // a lone server
                List.of("list", "--zookeeper", "zk:2181", "--redis", "redis://a"),        // two stores
                List.of("release", "--name", "n"),                        // no --force
                List.of("no-such-command"))) {
            StringWriter err = new StringWriter();
            int exit = Main.commandLine().setErr(new PrintWriter(err)).execute(args.toArray(String[]::new));
            assertThat(exit).as("exit code of %s", args).isEqualTo(ExitCodes.USAGE);
            assertThat(err.toString()).as("stderr of %s", args).contains("Usage: fencelock");
        }
    }

    @Test
    void aLeaseTooShortForTheCommandTimeoutIsRefusedByItsOptionsName() throws IOException {
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setErr(new PrintWriter(err)).execute("run", "--name", "n", "--lease", "35ms", "--", "true");
        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--lease must be between 40ms and 24h, was 35ms").doesNotContain("commandTimeout");

        StringWriter shortest = new StringWriter();
        int closedPort = closedPort();
        int connectExit = Main.commandLine().setErr(new PrintWriter(shortest)).execute(
                "run", "--name", "n", "--lease", "40ms", "--redis", "redis://127.0.0.1:" + closedPort, "--", "true");
        assertThat(connectExit).as("the shortest --lease accepted, then no Redis: %s", shortest).isEqualTo(ExitCodes.UNAVAILABLE);
    }

    @Test
    void aStoreThatRefusesExits69WithItsMessageAndNoStackTrace() {
        StringWriter err = new StringWriter();
        CommandLine main = Main.commandLine().setErr(new PrintWriter(err, true));
        int exit = Main.failure(new LockException("Redis at cache:7000 is version 4.0; Fencelock needs 5.0 or later"), main, null);
        assertThat(exit).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(err.toString()).isEqualTo("fencelock: Redis at cache:7000 is version 4.0; Fencelock needs 5.0 or later"
                + System.lineSeparator());
    }

    @Test
    void aWaitThatTimedOutWhereNoCodeIsDefinedForItIsNotTakenForAStoreThatRefuses() {
        CommandLine main = Main.commandLine().setErr(new PrintWriter(new StringWriter(), true));
        int exit = Main.failure(new LockTimeoutException("lock 'demo' is held by another owner"), main, null);
        assertThat(exit).isNotEqualTo(ExitCodes.UNAVAILABLE);
    }

    @Test
    void theDemoWithAnUnreachableRedisExits69InOneLine() throws IOException {
        int closedPort = closedPort();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setErr(new PrintWriter(err, true))
                .execute("demo", "--redis", "redis://:hunter2@127.0.0.1:" + closedPort);
        assertThat(exit).as("stderr: %s", err).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(err.toString()).isEqualTo("fencelock: cannot connect to Redis at 127.0.0.1:" + closedPort + System.lineSeparator());
    }

    /** A port that nothing listens on: taken from the system, then let go. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aUsageErrorNeverShowsThePasswordOfARedisUri() {
        for (String uri : List.of("redis://:hunter2@cache:7000", "redis://ops:hunter2@cache:7000", "rediss://ops:hunter2@cache:6380/0")) {
            StringWriter err = new StringWriter();
            int exit = Main.commandLine().setErr(new PrintWriter(err))
                    .execute("status", "--name", "n", "--redis-uri=" + uri);
            assertThat(exit).as("exit code with --redis-uri=%s", uri).isEqualTo(ExitCodes.USAGE);
            assertThat(err.toString()).as("stderr with --redis-uri=%s", uri)
                    .contains("--redis-uri=" + uri.replace("hunter2", "***"))
                    .doesNotContain("hunter2");
        }
    }

    @Test
    void everySubcommandHasHelp() {
        for (String subcommand : List.of("run", "status", "list", "release", "demo")) {
            StringWriter out = new StringWriter();
            int exit = Main.commandLine().setOut(new PrintWriter(out)).execute(subcommand, "--help");
            assertThat(exit).isZero();
            assertThat(out.toString()).startsWith("Usage: fencelock " + subcommand);
        }
    }

    @Test
    void everySubcommandIsListedWithAWholeOneLineSummary() {
        CommandLine main = Main.commandLine();
        String commandList = main.getHelp().commandList();
        List<String> lines = commandList.lines().map(String::stripTrailing).toList();
        // A summary that wraps or stops mid-sentence adds a line or lacks its full stop.
        assertThat(lines).as("one line per subcommand in the usage of fencelock:%n%s", commandList)
                .hasSize(main.getSubcommands().size())
                .allSatisfy(line -> assertThat(line).as("summary line in the usage of fencelock").endsWith("."));
    }
}
