package dev.fencelock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fencelock run}, status, list and release as real processes against a real Redis. */
@RedisTest
class RunIT {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void concurrentRunsOnOneNameNeverInterleave(RedisServer redis) throws Exception {
        ConcurrentRuns.assertNeverInterleave(dir, 5, "--redis", redis.uri());
    }

    @Test
    void theCommandsExitCodeIsPassedThrough(RedisServer redis) throws Exception {
        try (FencelockProcess run = FencelockProcess.run(dir, EXIT_WAIT,
                "run", "--redis", redis.uri(), "--name", "code", "--", "sh", "-c", "exit 7")) {
            assertThat(run.exitCode()).isEqualTo(7);
        }
        assertThat(redis.call("EXISTS", "fencelock:{code}")).as("released after the command").isEqualTo(0L);
    }

    @Test
    void aLockHeldElsewhereExits73(RedisServer redis) throws Exception {
        try (LockClient client = RedisLocks.connect(redis.uri());
                Lease held = client.lock("busy").acquire(Duration.ZERO);
                FencelockProcess run = FencelockProcess.run(dir, EXIT_WAIT,
                        "run", "--redis", redis.uri(), "--name", "busy", "--wait", "0", "--", "true")) {
            assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_ACQUIRED);
            assertThat(run.stderr()).contains("lock 'busy' is held by another owner");
            assertThat(held.isValid()).isTrue();
        }
    }

    @Test
    void anUnreachableRedisExits69(RedisServer redis) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (FencelockProcess run = FencelockProcess.run(dir, EXIT_WAIT,
                "run", "--redis", "redis://user:hunter2@127.0.0.1:" + closedPort, "--name", "x", "--", "true")) {
            assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(run.stderr()).contains("cannot connect to Redis at 127.0.0.1:" + closedPort).doesNotContain("hunter2");
        }
    }

    @Test
    void badArgumentsExit64(RedisServer redis) throws Exception {
        try (FencelockProcess run = FencelockProcess.run(dir, EXIT_WAIT, "run", "--redis", redis.uri(), "--name", "x")) {
            assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.stderr()).contains("Usage: fencelock run");
        }
    }

    @Test
    void aLostLeaseStopsTheCommandAndExits75(RedisServer redis) throws Exception {
        Path started = dir.resolve("started");
        // Not shorter: the command timeout is a quarter of the lease, and a fresh JVM's first
        // acquisition must be answered within it on a busy machine.
        try (FencelockProcess run = FencelockProcess.start(dir, "run", "--redis", redis.uri(), "--name", "lost",
                "--lease", "2s", "--grace", "2s", "--", "sh", "-c", "echo $$ > " + started + ".tmp; mv " + started + ".tmp " + started + "; exec sleep 60")) {
            run.awaitFile(started);
            long command = Long.parseLong(Files.readString(started).trim());
            redis.call("DEL", "fencelock:{lost}");
            assertThat(run.awaitExit(EXIT_WAIT)).as("stderr: %s", run.stderr()).isEqualTo(ExitCodes.LEASE_LOST);
            assertThat(run.stderr()).contains("was lost").contains("stopping the command");
            assertThat(ProcessHandle.of(command).map(ProcessHandle::isAlive).orElse(false)).as("the command was stopped").isFalse();
        }
    }

    @Test
    void aLeaseFoundLostAtTheReleaseExits75ThoughTheCommandExited0(RedisServer redis) throws Exception {
        Path go = dir.resolve("go");
        // A lease that no renewal checks before the release: the release alone finds the key gone.
        try (FencelockProcess run = startUntil(go, 0, "--redis", redis.uri(), "--name", "forced", "--lease", "10m")) {
            redis.call("DEL", "fencelock:{forced}");
            Files.createFile(go);
            assertThat(run.awaitExit(EXIT_WAIT)).as("stderr: %s", run.stderr()).isEqualTo(ExitCodes.LEASE_LOST);
            assertThat(run.stderr()).contains("already lost after the command exited with 0")
                    .doesNotContain("stopping the command");
        }
    }

    @Test
    void aReleaseTheStoreDoesNotAnswerLeavesTheCommandsExitCode(RedisServer redis) throws Exception {
        Path go = dir.resolve("go");
        // A lease long enough that it is not lost between the pause and the release, short enough
        // that the release gives up soon (at two command timeouts, each a quarter of the lease).
        try (FencelockProcess run = startUntil(go, 7, "--redis", redis.uri(), "--name", "silent", "--lease", "4s")) {
            redis.pause();
            try {
                Files.createFile(go);
                assertThat(run.awaitExit(EXIT_WAIT)).as("stderr: %s", run.stderr()).isEqualTo(7);
            } finally {
                redis.resume();
            }
            assertThat(run.stderr()).contains("the lock 'silent' was not released").contains("it ends with its lease");
        }
    }

    /**
     * Starts {@code fencelock run} with {@code options} for a command that exits with {@code exit}
     * once the test creates {@code go}; returns when the command runs.
     */
    private FencelockProcess startUntil(Path go, int exit, String... options) throws InterruptedException {
        Path started = dir.resolve("started");
        List<String> args = new ArrayList<>(List.of("run"));
        args.addAll(List.of(options));
        args.addAll(List.of("--", "sh", "-c",
                "touch " + started + "; while [ ! -e " + go + " ]; do sleep 0.05; done; exit " + exit));
        FencelockProcess run = FencelockProcess.start(dir, args.toArray(String[]::new));
        try {
            run.awaitFile(started);
            return run;
        } catch (AssertionError | InterruptedException e) {
            // Else its command would wait for the go forever.
            run.close();
            throw e;
        }
    }

    @Test
    void theWaitingIndicatorShowsTheHolderUnknownWhileTheStoreDoesNotAnswer(RedisServer redis) {
        try (LockClient client = RedisLocks.connect(
                RedisLockOptions.builder(redis.uri()).commandTimeout(Duration.ofMillis(50)).build())) {
            redis.pause();
            try {
                assertThat(RunCommand.waiting(Duration.ofSeconds(3), client.admin(), "busy"))
                        .as("the indicator's line, which must not end the wait")
                        .startsWith("fencelock: waiting 3 s for 'busy', holder unknown (");
            } finally {
                redis.resume();
            }
        }
    }

    @Test
    void aLostLeaseStopsTheProcessesTheCommandStarted(RedisServer redis) throws Exception {
        assertALostLeaseStopsTheCommandsChild(redis, "sleep 300");
    }

    @Test
    void aLostLeaseKillsAChildOfTheCommandThatIgnoresSigtermAfterTheGrace(RedisServer redis) throws Exception {
        assertALostLeaseStopsTheCommandsChild(redis, "(trap '' TERM; exec sleep 300)");
    }

    /** The command, a shell, starts {@code child} in the background (not with exec), writes its PID and waits. */
    private void assertALostLeaseStopsTheCommandsChild(RedisServer redis, String child) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        String script = child + " & echo $! > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile + "; wait";
        // A lease of 2 s for the reason aLostLeaseStopsTheCommandAndExits75 gives.
        try (FencelockProcess run = FencelockProcess.start(dir, "run", "--redis", redis.uri(), "--name", "tree",
                "--lease", "2s", "--grace", "1s", "--", "sh", "-c", script)) {
            run.awaitFile(pidFile);
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            redis.call("DEL", "fencelock:{tree}");
            assertThat(run.awaitExit(EXIT_WAIT)).as("stderr: %s", run.stderr()).isEqualTo(ExitCodes.LEASE_LOST);
            Poll.until("the end of the command's child " + pid + ", stopped with the lost lease", Duration.ofSeconds(20),
                    () -> !FencelockProcess.isRunning(pid));
        }
    }

    @Test
    void aLostLeaseStopsAProcessThatTheCommandDetachedFromItsTree(RedisServer redis) throws Exception {
        Path pidFile = dir.resolve("detached.pid");
        // The subshell starts sleep in the background and exits: sleep is orphaned, out of the command's tree.
        String script = "(sleep 300 & echo $! > " + pidFile + ".tmp); mv " + pidFile + ".tmp " + pidFile + "; exec sleep 60";
        // A lease of 2 s for the reason aLostLeaseStopsTheCommandAndExits75 gives.
        try (FencelockProcess run = FencelockProcess.start(dir, "run", "--redis", redis.uri(), "--name", "detached",
                "--lease", "2s", "--grace", "1s", "--", "sh", "-c", script)) {
            run.awaitFile(pidFile);
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            try {
                assertThat(run.process().descendants().map(ProcessHandle::pid)).as("the command's tree").doesNotContain(pid);
                redis.call("DEL", "fencelock:{detached}");
                assertThat(run.awaitExit(EXIT_WAIT)).as("stderr: %s", run.stderr()).isEqualTo(ExitCodes.LEASE_LOST);
                Poll.until("the end of " + pid + ", which left the command's tree, stopped with the lost lease",
                        Duration.ofSeconds(20), () -> !FencelockProcess.isRunning(pid));
            } finally {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void whatTheCommandLeftRunningIsNamedInAWarningAndTheLockReleased(RedisServer redis) throws Exception {
        Path pidFile = dir.resolve("left.pid");
        String script = "sleep 300 & echo $! > " + pidFile;
        try (FencelockProcess run = FencelockProcess.run(dir, EXIT_WAIT,
                "run", "--redis", redis.uri(), "--name", "left", "--", "sh", "-c", script)) {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            try {
                assertThat(run.exitCode()).as("the command's own exit code").isZero();
                assertThat(run.stderr()).contains("left processes [" + pid + "] running")
                        .contains("without the lock 'left'");
                assertThat(redis.call("EXISTS", "fencelock:{left}")).as("the lock, released").isEqualTo(0L);
            } finally {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aSignalWhileTheRunWaitsEndsItWithoutTheCommandAndGivesUpItsPlaceInTheQueue(RedisServer redis) throws Exception {
        Path ran = dir.resolve("ran");
        try (LockClient client = RedisLocks.connect(redis.uri());
                Lease held = client.lock("waited").acquire(Duration.ZERO);
                FencelockProcess run = FencelockProcess.start(dir, "run", "--redis", redis.uri(), "--name", "waited",
                        "--wait", "60s", "--", "touch", ran.toString())) {
            Poll.until("the run queued for the lock", EXIT_WAIT, () -> (Long) redis.call("ZCARD", "fencelock:{waited}:waiters") == 1);

            run.signal("TERM");

            assertThat(run.awaitExit(EXIT_WAIT)).as("128 + SIGTERM's 15; stderr: %s", run.stderr()).isEqualTo(143);
            assertThat(run.stderr()).contains("SIGTERM before the command started");
            // Without a handler the JVM would have exited as it stood, its place left to its deadline.
            assertThat(redis.call("ZCARD", "fencelock:{waited}:waiters")).as("waiters queued").isEqualTo(0L);
            assertThat(held.isValid()).isTrue();
        }
        assertThat(ran).as("the command, never run").doesNotExist();
    }

    @Test
    void aKilledRunFreesTheLockWithinOneLease(RedisServer redis) throws Exception {
        Path started = dir.resolve("started");
        Duration lease = Duration.ofSeconds(2);
        try (FencelockProcess run = FencelockProcess.start(dir, "run", "--redis", redis.uri(), "--name", "crash",
                "--lease", "2s", "--", "sh", "-c", "touch " + started + "; exec sleep 60")) {
            run.awaitFile(started);
            run.process().destroyForcibly();
            run.process().waitFor(10, TimeUnit.SECONDS);
            try (LockClient client = RedisLocks.connect(redis.uri());
                    Lease lease2 = client.lock("crash").acquire(lease)) {
                assertThat(lease2.isValid()).as("acquired within one lease of the kill").isTrue();
            }
        }
    }

    @Test
    void sigtermIsForwardedToTheCommandAndTheLockReleased(RedisServer redis) throws Exception {
        Path started = dir.resolve("started");
        Path trapped = dir.resolve("trapped");
        String script = "trap 'touch " + trapped + "; exit 3' TERM; touch " + started + "; while true; do sleep 0.05; done";
        try (FencelockProcess run = FencelockProcess.start(dir, "run", "--redis", redis.uri(), "--name", "term",
                "--", "sh", "-c", script)) {
            run.awaitFile(started);
            run.signal("TERM");
            assertThat(run.awaitExit(EXIT_WAIT)).as("the command's own exit code").isEqualTo(3);
            assertThat(trapped).exists();
        }
        assertThat(redis.call("EXISTS", "fencelock:{term}")).isEqualTo(0L);
    }

    /**
     * Ctrl-C in a terminal sends SIGINT to the whole foreground process group, the command
     * included: forwarding it as well would interrupt the command twice, and many take a second
     * interrupt as "stop cleaning up and quit now".
     */
    @Test
    void ctrlCInATerminalReachesTheCommandOnce(RedisServer redis) throws Exception {
        assertCtrlCReachesOnce(redis, FencelockProcess.java(InterruptCounter.class.getName()));
    }

    /** A command that left the terminal's foreground group (setsid, timeout(1)) has Ctrl-C from run alone. */
    @Test
    void ctrlCInATerminalIsForwardedToACommandThatLeftTheTerminal(RedisServer redis) throws Exception {
        Path setsid = Path.of("/usr/bin/setsid");
        Assumptions.assumeTrue(Files.isExecutable(setsid), "no " + setsid + " (util-linux) to start a session with");
        List<String> command = new ArrayList<>(List.of(setsid.toString(), "--wait"));
        command.addAll(FencelockProcess.java(InterruptCounter.class.getName()));
        assertCtrlCReachesOnce(redis, command);
    }

    private void assertCtrlCReachesOnce(RedisServer redis, List<String> command) throws Exception {
        Assumptions.assumeTrue(isUtilLinuxScript(), "no util-linux script at " + FencelockProcess.SCRIPT
                + ": no terminal to press Ctrl-C in");
        List<String> args = new ArrayList<>(List.of("run", "--redis", redis.uri(), "--name", "ctrl-c", "--"));
        args.addAll(command);
        try (FencelockProcess run = FencelockProcess.startInTerminal(dir, args.toArray(String[]::new))) {
            run.awaitOutput(InterruptCounter.READY);
            run.type(FencelockProcess.CTRL_C);
            assertThat(run.awaitExit(EXIT_WAIT)).as("the command's exit code, passed through; printed: %s", run.stdout())
                    .isEqualTo(130);
            assertThat(run.stdout()).as("what the command printed in the terminal")
                    .containsOnlyOnce(InterruptCounter.INTERRUPTED);
        }
        assertThat(redis.call("EXISTS", "fencelock:{ctrl-c}")).as("the lock, released").isEqualTo(0L);
    }

    private static boolean isUtilLinuxScript() throws InterruptedException {
        try {
            Process version = new ProcessBuilder(FencelockProcess.SCRIPT.toString(), "--version").redirectErrorStream(true).start();
            String printed = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return version.waitFor() == 0 && printed.contains("util-linux");
        } catch (IOException missing) {
            return false;
        }
    }

    @Test
    void severalRedisUrisRunUnderRedlock() throws Exception {
        List<RedisServer> masters = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                masters.add(RedisServer.start());
            }
            List<String> args = new ArrayList<>(List.of("run", "--name", "redlocked"));
            masters.forEach(master -> args.addAll(List.of("--redis", master.uri())));
            args.addAll(List.of("--", "sh", "-c", "exit 5"));
            try (FencelockProcess run = FencelockProcess.run(dir, EXIT_WAIT, args.toArray(String[]::new))) {
                assertThat(run.exitCode()).as("stderr: %s", run.stderr()).isEqualTo(5);
            }
            for (RedisServer master : masters) {
                assertThat(master.call("EXISTS", "fencelock:{redlocked}:fence")).as("acquired on %s", master).isEqualTo(1L);
                assertThat(master.call("EXISTS", "fencelock:{redlocked}")).as("released on %s", master).isEqualTo(0L);
            }
        } finally {
            masters.forEach(RedisServer::close);
        }
    }

    @Test
    void statusListAndReleasePrintParsableJsonAndBreakGlass(RedisServer redis) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String holder;
        try (LockClient client = RedisLocks.connect(redis.uri());
                Lease held = client.lock("jobs:nightly").acquire(Duration.ZERO)) {
            try (FencelockProcess status = FencelockProcess.run(dir, EXIT_WAIT,
                    "status", "--redis", redis.uri(), "--name", "jobs:nightly", "--json")) {
                JsonNode node = json.readTree(status.stdout());
                holder = node.get("holder").asText();
                assertThat(node.get("name").asText()).isEqualTo("jobs:nightly");
                assertThat(node.get("held").asBoolean()).isTrue();
                assertThat(node.get("holder").asText()).hasSize(8);
                assertThat(node.get("remaining_ms").asLong()).isPositive();
                assertThat(node.get("last_fencing_token").asLong()).isEqualTo(held.fencingToken());
            }
            try (FencelockProcess list = FencelockProcess.run(dir, EXIT_WAIT,
                    "list", "--redis", redis.uri(), "--pattern", "jobs:*", "--json")) {
                JsonNode node = json.readTree(list.stdout());
                assertThat(node.isArray()).isTrue();
                assertThat(node).hasSize(1);
                assertThat(node.get(0).get("name").asText()).isEqualTo("jobs:nightly");
            }
            try (FencelockProcess release = FencelockProcess.run(dir, EXIT_WAIT,
                    "release", "--redis", redis.uri(), "--name", "jobs:nightly", "--force", "--holder", "not-the-holder")) {
                assertThat(release.exitCode()).isZero();
                assertThat(release.stdout()).startsWith("jobs:nightly: not held by not-the-holder, nothing released");
            }
            assertThat(held.isValid()).as("the lease, after a release naming another holder").isTrue();
            try (FencelockProcess release = FencelockProcess.run(dir, EXIT_WAIT,
                    "release", "--redis", redis.uri(), "--name", "jobs:nightly", "--force", "--holder", holder)) {
                assertThat(release.exitCode()).isZero();
                assertThat(release.stdout()).startsWith("released jobs:nightly: held by " + holder);
            }
            assertThat(held.lost().toCompletableFuture().get(10, TimeUnit.SECONDS)).isNotNull();
        }
        try (FencelockProcess release = FencelockProcess.run(dir, EXIT_WAIT,
                "release", "--redis", redis.uri(), "--name", "jobs:nightly", "--force")) {
            assertThat(release.stdout()).startsWith("jobs:nightly: was free, nothing released");
        }
        try (FencelockProcess status = FencelockProcess.run(dir, EXIT_WAIT,
                "status", "--redis", redis.uri(), "--name", "jobs:nightly", "--json")) {
            assertThat(json.readTree(status.stdout()).get("held").asBoolean()).isFalse();
        }
    }
}
