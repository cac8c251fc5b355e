package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the store hands its scripts, without a server. */
class RedisStoreTest {

    /** The holder trusts its lease to the nanosecond: a key set to expire sooner would end under it. */
    @Test
    void aLeaseGoesToTheScriptsInWholeMillisecondsRoundedUp() {
        assertThat(RedisStore.leaseMillis(Duration.ofMillis(30))).isEqualTo("30");
        assertThat(RedisStore.leaseMillis(Duration.ofNanos(30_000_001))).isEqualTo("31");
        assertThat(RedisStore.leaseMillis(Duration.ofNanos(30_900_000))).isEqualTo("31");
        assertThat(RedisStore.leaseMillis(Duration.ofDays(1))).isEqualTo("86400000");
    }
}
