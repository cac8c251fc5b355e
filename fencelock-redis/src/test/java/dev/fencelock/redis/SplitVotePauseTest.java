package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** After a Redlock split vote, the client one grant short of a majority tries again before the others. */
class SplitVotePauseTest {
    private static final Duration DELAY = Duration.ofMillis(50);
    private static final Duration JITTER = Duration.ofMillis(100);
    private static final RedisLockOptions OPTIONS = RedisLockOptions.redlock(
            List.of("redis://127.0.0.1:1", "redis://127.0.0.1:2", "redis://127.0.0.1:3")).retryDelay(DELAY, JITTER).build();

    @Test
    void theClientOneGrantShortPausesLessThanTheBaseDelay() {
        assertThat(draws(1)).as("one grant short: within the base delay").allMatch(nanos -> nanos >= 0 && nanos < DELAY.toNanos());
    }

    @Test
    void clientsFurtherFromAMajorityPauseTheBaseDelayAndTheJitter() {
        assertThat(draws(2)).as("two grants short: the ordinary retry pause")
                .allMatch(nanos -> nanos >= DELAY.toNanos() && nanos < DELAY.plus(JITTER).toNanos());
    }

    private static List<Long> draws(int shortBy) {
        return LongStream.range(0, 1000).map(i -> LockServers.splitVoteDelayNanos(OPTIONS, shortBy)).boxed().toList();
    }
}
