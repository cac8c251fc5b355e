package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The kit's servers are real processes that tests can crash, freeze, restart and inspect. */
@RedisTest
class RedisServerIT {
    private static final int DEFAULT_REDIS_PORT = 6_379;

    @Test
    void aStartedServerIsOurProcessAnsweringOnAFreePortOtherThanRedisDefault(RedisServer redis) {
        assertThat(redis.port()).as("never the machine's own Redis port").isNotEqualTo(DEFAULT_REDIS_PORT);
        assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
        assertThat(redis.call("PING")).isEqualTo("PONG");
        assertThat(redis.isRunning()).isTrue();
        assertThat((String) redis.call("INFO", "server"))
                .as("the server answering is the process pid() names")
                .contains("process_id:" + redis.pid() + "\r\n")
                .contains("tcp_port:" + redis.port() + "\r\n");
    }

    @Test
    void repliesAreDecoded(RedisServer redis) {
        assertThat(redis.call("SET", "k", "v")).isEqualTo("OK");
        assertThat(redis.call("GET", "k")).isEqualTo("v");
        assertThat(redis.call("GET", "missing")).isNull();
        assertThat(redis.call("INCR", "n")).isEqualTo(1L);
        assertThat(redis.call("MGET", "k", "missing")).isEqualTo(Arrays.asList("v", null));
        assertThat(redis.dbSize()).isEqualTo(2);
        assertThatThrownBy(() -> redis.call("INCR", "k"))
                .isInstanceOf(RedisServer.ReplyException.class).hasMessageContaining("not an integer");
    }

    @Test
    void anErrorInsideAnArrayIsAnElementAndTheConnectionStaysUsable(RedisServer redis) {
        redis.call("SET", "k", "v");
        redis.call("MULTI");
        redis.call("SET", "other", "1");
        redis.call("INCR", "k");

        List<?> results = (List<?>) redis.call("EXEC");

        assertThat(results).hasSize(2);
        assertThat(results.get(0)).isEqualTo("OK");
        assertThat(results.get(1)).isInstanceOf(RedisServer.ReplyException.class);
        assertThat(redis.call("GET", "other")).as("the next reply is read in step").isEqualTo("1");
    }

    @Test
    void aServerWithAPasswordStartsAndRefusesUnauthenticatedCommands() {
        try (RedisServer redis = RedisServer.builder().args("--requirepass", "secret").start()) {
            assertThatThrownBy(() -> redis.call("PING"))
                    .isInstanceOf(RedisServer.ReplyException.class).hasMessageStartingWith("NOAUTH");
            assertThat(redis.call("AUTH", "secret")).isEqualTo("OK");
            assertThat(redis.call("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void aServerThatCannotStartIsReportedWithItsLog() {
        assertThatThrownBy(() -> RedisServer.builder().args("--no-such-directive", "x").start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with")
                .hasMessageContaining("no-such-directive");
    }

    @Test
    void aKilledServerIsUnreachableAndARestartBringsItBackEmptyOnTheSamePort(RedisServer redis) {
        redis.call("SET", "k", "v");
        int port = redis.port();
        long pid = redis.pid();

        redis.kill();

        assertThat(redis.isRunning()).isFalse();
        assertThat(isAlive(pid)).as("the killed process").isFalse();
        assertThatThrownBy(() -> redis.call("PING")).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(redis::pid).isInstanceOf(IllegalStateException.class);

        redis.restart();

        assertThat(redis.port()).isEqualTo(port);
        assertThat(redis.pid()).as("a new process").isNotEqualTo(pid);
        assertThat(redis.call("PING")).isEqualTo("PONG");
        assertThat(redis.call("GET", "k")).as("no persistence").isNull();
    }

    @Test
    void anAppendOnlyServerKeepsItsDataAcrossAKill(@AppendOnly RedisServer redis) {
        redis.call("SET", "k", "v");

        redis.kill();
        redis.restart();

        assertThat(redis.call("GET", "k")).isEqualTo("v");
    }

    @Test
    void aRestartedAppendOnlyServerIsReadyOnlyOnceItHasLoadedItsData(@AppendOnly RedisServer redis) {
        // Enough keys that loading them takes a while, during which Redis refuses commands.
        redis.call("EVAL", "for i = 1, 200000 do redis.call('SET', 'k' .. i, i) end", "0");

        redis.kill();
        redis.restart();

        assertThat(redis.dbSize()).as("keys right after the restart").isEqualTo(200_000);
    }

    @Test
    void aRestartWaitsUntilItsPortIsFree(RedisServer redis) throws Exception {
        redis.kill();
        ServerSocket squatter = new ServerSocket(redis.port(), 1, InetAddress.getByName(redis.host()));
        CompletableFuture<Void> restart;
        try {
            restart = CompletableFuture.runAsync(redis::restart);
            awaitLog(redis, "Address already in use");
            assertThat(restart).as("restart while the port is taken").isNotDone();
        } finally {
            squatter.close();
        }

        restart.get(10, TimeUnit.SECONDS);
        assertThat(redis.call("PING")).isEqualTo("PONG");
    }

    @Test
    void aPausedServerAnswersNothingUntilResumedAndThenAnswersWhatItReceived(RedisServer redis) throws IOException {
        redis.pause();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(redis.host(), redis.port()), 1_000);
            socket.setSoTimeout(300);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThatThrownBy(in::read).as("a reply from a paused server").isInstanceOf(SocketTimeoutException.class);

            redis.resume();

            socket.setSoTimeout(5_000);
            assertThat(new String(in.readNBytes("+PONG\r\n".length()), StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
        }
        assertThat(redis.call("PING")).isEqualTo("PONG");
    }

    @Test
    void aPausedServerIsClosedAsWell() {
        RedisServer redis = RedisServer.start();
        long pid = redis.pid();
        redis.pause();

        redis.close();

        assertThat(isAlive(pid)).isFalse();
    }

    @Test
    void flushScriptsForgetsLoadedScripts(RedisServer redis) {
        String sha = (String) redis.call("SCRIPT", "LOAD", "return 1");
        assertThat(redis.call("SCRIPT", "EXISTS", sha)).isEqualTo(List.of(1L));

        redis.flushScripts();

        assertThat(redis.call("SCRIPT", "EXISTS", sha)).isEqualTo(List.of(0L));
    }

    @Test
    void commandCallsCountSinceTheLastReset(RedisServer redis) {
        redis.call("SET", "a", "1");
        redis.resetStats();

        redis.call("SET", "a", "2");
        redis.call("SET", "a", "3");
        String sha = (String) redis.call("SCRIPT", "LOAD", "return 1");
        redis.call("EVALSHA", sha, "0");

        assertThat(redis.commandCalls()).containsEntry("set", 2L).containsEntry("evalsha", 1L).doesNotContainKey("get");
    }

    @Test
    void closingStopsTheProcessAndDeletesItsDirectory() {
        RedisServer redis = RedisServer.start();
        long pid = redis.pid();
        assertThat(redis.dir()).isDirectory();

        redis.close();

        assertThat(isAlive(pid)).isFalse();
        assertThat(redis.dir()).doesNotExist();
        redis.close(); // idempotent
        assertThatThrownBy(redis::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aServerLeftRunningByACrashedJvmIsStoppedAtItsExit() throws Exception {
        Process child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                AbandonedServer.class.getName())
                .redirectErrorStream(true)
                .start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String started = output.lines().filter(line -> line.startsWith("STARTED ")).findFirst()
                .orElseThrow(() -> new AssertionError("the child started no server:\n" + output));
        String[] fields = started.split(" ", 3);

        assertThat(child.exitValue()).as("the child crashed:\n%s", output).isNotZero();
        assertThat(isAlive(Long.parseLong(fields[1]))).as("the abandoned server").isFalse();
        assertThat(Path.of(fields[2])).as("the abandoned server's directory").doesNotExist();
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void awaitLog(RedisServer redis, String text) throws InterruptedException {
        Path log = redis.dir().resolve("redis.log");
        Poll.until("'" + text + "' in " + log, Duration.ofSeconds(10), () -> {
            try {
                return Files.exists(log) && Files.readString(log).contains(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
