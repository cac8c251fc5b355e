package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.LockException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every bad argument fails fast, with a message naming the argument, its value and the allowed range. */
class ArgumentValidationTest {

    @Test
    void uriMustBeGiven() {
        assertThatThrownBy(() -> RedisLockOptions.builder(null))
                .isInstanceOf(NullPointerException.class).hasMessage("uri");
    }

    @Test
    void uriMustBeARedisUriAndItsPasswordIsNeverRepeated() {
        assertThatThrownBy(() -> RedisLockOptions.builder("http://app:s3cret@example.com"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("uri must look like redis://host:")
                .hasMessageContaining("http://***@example.com")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> RedisLockOptions.builder("redis:/app:s3cret@host"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("was ***@host");
    }

    @Test
    void validUrisAreAcceptedAndDescribedWithoutCredentials() {
        RedisLockOptions options = RedisLockOptions.builder("redis://app:s3cret@cache.internal:6400/2").build();
        assertThat(options.server()).isEqualTo("cache.internal:6400");
        assertThat(options.toString()).doesNotContain("s3cret");
        assertThat(RedisLockOptions.builder("rediss://cache.internal:6380").build().server())
                .isEqualTo("cache.internal:6380 (TLS)");
    }

    @Test
    void aFencedResourceRefusesRedlockAndClusterOptionsBeforeConnecting() {
        assertThatThrownBy(() -> RedisLocks.fencedRedis(
                RedisLockOptions.redlock(List.of("redis://a:6400", "redis://b:6400", "redis://c:6400")).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a fenced resource lives on one Redis server, not on redlock(a:6400, b:6400, c:6400)");
        assertThatThrownBy(() -> RedisLocks.fencedRedis(RedisLockOptions.cluster(List.of("redis://a:6400")).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a fenced resource lives on one Redis server, not on cluster(a:6400)");
    }

    @Test
    void optionsHaveDocumentedDefaults() {
        RedisLockOptions options = RedisLockOptions.builder("redis://localhost:6400").build();
        assertThat(options.namespace()).isEqualTo("fencelock:");
        assertThat(options.defaultLease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.fenceCounterTtl()).isEqualTo(Duration.ofHours(25));
        assertThat(options.outageAllowance()).isEqualTo(Duration.ofSeconds(30));
        assertThat(RedisLockOptions.redlock(List.of("redis://a:6400", "redis://b:6400", "redis://c:6400")).build().outageAllowance())
                .as("under Redlock: outlasting the restart quarantine (30.02 s) and a command timeout")
                .isEqualTo(Duration.ofMillis(32_020));
        assertThat(RedisLockOptions.redlock(List.of("redis://a:6400", "redis://b:6400", "redis://c:6400"))
                .defaultLease(Duration.ofSeconds(10)).build().redlockRestartQuarantine())
                .as("the default lease plus a step of the token clock").isEqualTo(Duration.ofMillis(10_020));
    }

    @Test
    void namespaceIsChecked() {
        RedisLockOptions.Builder builder = RedisLockOptions.builder("redis://localhost:6400");
        assertThatThrownBy(() -> builder.namespace(null)).isInstanceOf(NullPointerException.class).hasMessage("namespace");
        assertThatThrownBy(() -> builder.namespace("n".repeat(257)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("namespace must have 0 to 256 characters, had 257");
    }

    @Test
    void aNamespaceWithHashTagBracesIsRejectedBeforeItSplitsALockAcrossClusterSlots() {
        RedisLockOptions.Builder builder = RedisLockOptions.builder("redis://localhost:6400");
        for (String namespace : new String[] {"{}", "app{", "app}:"}) {
            assertThatThrownBy(() -> builder.namespace(namespace))
                    .as("namespace %s", namespace)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("namespace must not contain '{' or '}', which delimit the Redis Cluster hash tag of a"
                            + " lock's keys, was '" + namespace + "'");
        }
        assertThatThrownBy(() -> builder.namespace("app\uDC00:"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("namespace must be well-formed UTF-16, but has an unpaired surrogate \\uDC00 at index 3");
    }

    @Test
    void namesWithUnpairedSurrogatesAreRejectedSoThatNoTwoNamesShareAKey() {
        // Each of these would be encoded as "job?" on its way to Redis.
        assertThatThrownBy(() -> LockKeys.of("fencelock:", "job\uD800"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must be well-formed UTF-16, but has an unpaired surrogate \\uD800 at index 3");
        assertThatThrownBy(() -> LockKeys.of("fencelock:", "job\uDBFF"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\\uDBFF at index 3");
        assertThatThrownBy(() -> LockKeys.of("fencelock:", "\uDC00job"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\\uDC00 at index 0");
        assertThat(LockKeys.of("fencelock:", "job?").lock()).isEqualTo("fencelock:{job?}");
        assertThat(LockKeys.of("fencelock:", "job\uD83D\uDD12").lock())
                .as("a surrogate pair is a well-formed character").isEqualTo("fencelock:{job\uD83D\uDD12}");
    }

    @Test
    void aServerOlderThanRedis5IsRefusedWithItsVersion() {
        assertThatThrownBy(() -> RedisVersion.requireSupported("# Server\r\nredis_version:4.0.9\r\n", "old:6400"))
                .isInstanceOf(LockException.class)
                .hasMessage("Redis at old:6400 is version 4.0; Fencelock needs 5.0 or later"
                        + " (ZPOPMIN, and scripts that read TIME before they write)");
        assertThatThrownBy(() -> RedisVersion.requireSupported("# Server\r\n", "mute:6400"))
                .isInstanceOf(LockException.class)
                .hasMessageContaining("did not report redis_version");
        RedisVersion.requireSupported("# Server\r\nredis_version:5.0.0\r\n", "five:6400");
        RedisVersion.requireSupported("# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n", "seven:6400");
    }

    @Test
    void releasesCountTheirListenersFromRedis6AndShardThemFromRedis7() {
        String five = "# Server\r\nredis_version:5.0.14\r\n";
        String six = "# Server\r\nredis_version:6.0.0\r\n";
        String seven = "# Server\r\nredis_version:7.0.15\r\n";
        assertThat(RedisVersion.listenersFollowFailover(five)).as("5.0: Sentinel leaves listeners on a demoted master").isFalse();
        assertThat(RedisVersion.listenersFollowFailover(six)).isTrue();
        assertThat(RedisVersion.listenersFollowFailover(seven)).isTrue();
        assertThat(RedisVersion.hasShardedPubSub(six)).isFalse();
        assertThat(RedisVersion.hasShardedPubSub(seven)).isTrue();
    }

    @Test
    void durationsAreCheckedWhereTheyAreGiven() {
        RedisLockOptions.Builder builder = RedisLockOptions.builder("redis://localhost:6400");
        assertThatThrownBy(() -> builder.defaultLease(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("defaultLease must be between PT0.03S and PT24H, was PT0S");
        assertThatThrownBy(() -> builder.defaultLease(Duration.ofDays(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was PT48H");
        assertThatThrownBy(() -> builder.commandTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("commandTimeout must be between PT0.01S and PT5M, was PT-0.001S");
        assertThatThrownBy(() -> builder.connectTimeout(null))
                .isInstanceOf(NullPointerException.class).hasMessage("connectTimeout");
        assertThatThrownBy(() -> builder.connectTimeout(Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout must be between");
        assertThatThrownBy(() -> builder.fenceCounterTtl(Duration.ofMinutes(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fenceCounterTtl must be between PT1H and PT8760H, was PT5M");
        assertThatThrownBy(() -> builder.outageAllowance(Duration.ofDays(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("outageAllowance must be between PT0S and PT24H, was PT48H");
        assertThatThrownBy(() -> builder.redlockRestartQuarantine(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redlockRestartQuarantine must be between PT0S and PT24H, was PT-0.001S");
    }

    @Test
    void commandTimeoutMustLeaveTimeForARetryWithinTheLease() {
        RedisLockOptions.Builder builder = RedisLockOptions.builder("redis://localhost:6400")
                .defaultLease(Duration.ofSeconds(3))
                .commandTimeout(Duration.ofSeconds(1));
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("defaultLease (PT3S) must be longer than three command timeouts (commandTimeout PT1S)");
    }

    @Test
    void lockNamesAreChecked() {
        assertThatThrownBy(() -> LockKeys.of("fencelock:", null)).isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThatThrownBy(() -> LockKeys.of("fencelock:", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must have 1 to 1024 characters, had 0");
        assertThatThrownBy(() -> LockKeys.of("fencelock:", "x".repeat(1025)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must have 1 to 1024 characters, had 1025");
    }

    @Test
    void lockNamesMayNotCarryHashTagBraces() {
        assertThatThrownBy(() -> LockKeys.of("fencelock:", "}x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must not contain '{' or '}'");
    }

    @Test
    void keysOfOneLockShareAHashTag() {
        LockKeys keys = LockKeys.of("fencelock:", "orders:42");
        assertThat(keys.lock()).isEqualTo("fencelock:{orders:42}");
        assertThat(keys.fence()).isEqualTo("fencelock:{orders:42}:fence");
        assertThat(keys.channel()).isEqualTo("fencelock:{orders:42}:released");
    }

}
