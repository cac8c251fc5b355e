package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kit's servers are real processes that tests can crash, freeze, restart and inspect. */
@RedisTest
class RedisServerIT {
    private static final int DEFAULT_REDIS_PORT = 6_379;

    @Test
    void aStartedServerAnswersOnAFreePortOtherThanRedisDefault(RedisServer redis) {
        assertThat(redis.port()).as("never the machine's own Redis port").isNotEqualTo(DEFAULT_REDIS_PORT);
        assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
        assertThat(redis.call("PING")).isEqualTo("PONG");
        assertThat(redis.isRunning()).isTrue();
    }

    @Test
    void eachParameterGetsItsOwnServer(RedisServer first, RedisServer second) {
        assertThat(first.port()).isNotEqualTo(second.port());
        first.call("SET", "k", "v");
        assertThat(second.dbSize()).isZero();
    }

    @Test
    void repliesAreDecoded(RedisServer redis) {
        assertThat(redis.call("SET", "k", "v")).isEqualTo("OK");
        assertThat(redis.call("GET", "k")).isEqualTo("v");
        assertThat(redis.call("GET", "missing")).isNull();
        assertThat(redis.call("INCR", "n")).isEqualTo(1L);
        assertThat(redis.call("MGET", "k", "missing")).isEqualTo(java.util.Arrays.asList("v", null));
        assertThatThrownBy(() -> redis.call("INCR", "k"))
                .isInstanceOf(RedisServer.ReplyException.class).hasMessageContaining("not an integer");
    }

    @Test
    void aKilledServerIsUnreachableAndARestartBringsItBackEmpty(RedisServer redis) {
        redis.call("SET", "k", "v");
        redis.kill();
        assertThat(redis.isRunning()).isFalse();
        assertThatThrownBy(() -> redis.call("PING")).isInstanceOf(UncheckedIOException.class);

        redis.restart();
        assertThat(redis.call("PING")).isEqualTo("PONG");
        assertThat(redis.call("GET", "k")).as("no persistence").isNull();
    }

    @Test
    void anAppendOnlyServerKeepsItsDataAcrossAKill() {
        try (RedisServer redis = RedisServer.builder().appendOnly(true).start()) {
            redis.call("SET", "k", "v");
            int port = redis.port();
            redis.kill();
            redis.restart();
            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis.call("GET", "k")).isEqualTo("v");
        }
    }

    @Test
    void aPausedServerAnswersNothingUntilResumed(RedisServer redis) throws IOException {
        redis.pause();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(redis.host(), redis.port()), 1000);
            socket.setSoTimeout(300);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        } finally {
            redis.resume();
        }
        assertThat(redis.call("PING")).isEqualTo("PONG");
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
        assertThat(redis.commandCalls()).containsEntry("set", 2L);
    }

    @Test
    void closingStopsTheProcessAndDeletesItsDirectory() {
        RedisServer redis = RedisServer.start();
        long pid = redis.pid();
        redis.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(redis.dir()).doesNotExist();
        redis.close(); // idempotent
    }
}
