package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The resource side of fencing: a stale token's write is rejected, in one call. */
@RedisTest
class FencedRedisIT {

    @Test
    void aWriteWithAnOlderTokenIsRejected(RedisServer redis) {
        try (FencedRedis resource = RedisLocks.fencedRedis(redis.uri())) {
            assertThat(resource.read("report")).isEmpty();
            assertThat(resource.write("report", "from 33", 33)).isEqualTo(new FencedRedis.Write(true, 33));
            assertThat(resource.write("report", "again from 33", 33)).as("the same holder writes twice").isEqualTo(new FencedRedis.Write(true, 33));
            assertThat(resource.write("report", "from 34", 34)).isEqualTo(new FencedRedis.Write(true, 34));

            assertThat(resource.write("report", "stale from 33", 33)).isEqualTo(new FencedRedis.Write(false, 34));
            assertThat(resource.read("report")).contains(new FencedRedis.Value("from 34", 34));
        }
    }

    @Test
    void tokensFromTheLockFenceARealPause(RedisServer redis) {
        try (LockClient pausedHolder = RedisLocks.connect(redis.uri());
                LockClient nextHolder = RedisLocks.connect(redis.uri());
                FencedRedis resource = RedisLocks.fencedRedis(redis.uri())) {
            Lease paused = pausedHolder.lock("fenced").acquire(Duration.ZERO);
            long staleToken = paused.fencingToken();
            redis.call("DEL", "fencelock:{fenced}"); // the paused holder's lease runs out
            try (Lease next = nextHolder.lock("fenced").acquire(Duration.ZERO)) {
                assertThat(resource.write("row", "new", next.fencingToken()).accepted()).isTrue();
            }
            assertThat(resource.write("row", "stale", staleToken).accepted()).isFalse();
            paused.close();
        }
    }

    @Test
    void badArgumentsFailFast(RedisServer redis) {
        try (FencedRedis resource = RedisLocks.fencedRedis(redis.uri())) {
            assertThatThrownBy(() -> resource.write(null, "v", 1)).isInstanceOf(NullPointerException.class).hasMessage("key");
            assertThatThrownBy(() -> resource.write("k", null, 1)).isInstanceOf(NullPointerException.class).hasMessage("value");
            assertThatThrownBy(() -> resource.write("k", "v", -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("fencingToken must be between 0 and 2^53 (compared exactly in Lua), was -1");
            assertThatThrownBy(() -> resource.write("k", "v", (1L << 53) + 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
