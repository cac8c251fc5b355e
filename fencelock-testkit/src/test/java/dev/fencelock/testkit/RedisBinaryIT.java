package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A machine without redis-server still runs the tests, with the binary from embedded-redis. */
class RedisBinaryIT {

    @Test
    void theEmbeddedBinaryIsExtractedAndRuns() {
        Path binary = RedisBinary.extractEmbedded();
        assertThat(Files.isExecutable(binary)).isTrue();
        assertThat(RedisBinary.version(binary)).contains("v=6.2.");
        assertThat(RedisBinary.isAtLeast62(RedisBinary.version(binary))).isTrue();
    }

    @Test
    void versionsOlderThan62AreNotUsed() {
        assertThat(RedisBinary.isAtLeast62("Redis server v=7.0.15 sha=00000000:0")).isTrue();
        assertThat(RedisBinary.isAtLeast62("Redis server v=6.2.0 sha=00000000:0")).isTrue();
        assertThat(RedisBinary.isAtLeast62("Redis server v=6.0.16 sha=00000000:0")).isFalse();
        assertThat(RedisBinary.isAtLeast62("Redis server v=5.0.7 sha=00000000:0")).isFalse();
        assertThat(RedisBinary.isAtLeast62("garbage")).isFalse();
    }
}
