package dev.fencelock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.LockInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** What {@code status} and {@code run}'s waiting indicator say about who holds a name, for every kind of holder. */
class HolderWordsTest {
    private static final Duration WAITED = Duration.ofSeconds(3);

    @Test
    void theWaitingIndicatorNamesReadersWhenNoExclusiveHolderHoldsTheName() {
        LockInfo readers = new LockInfo("jobs", Optional.empty(), Optional.empty(), OptionalLong.of(7), 1);

        assertThat(RunCommand.waiting(WAITED, readers)).isEqualTo("fencelock: waiting 3 s for 'jobs', held by 1 reader");
        assertThat(StatusCommand.describe(readers)).as("status, in the same words")
                .isEqualTo("jobs: held by 1 reader, last fencing token 7");
    }

    @Test
    void theWaitingIndicatorNamesSemaphorePermitsWhenOnlyTheyHoldTheName() {
        LockInfo permits = new LockInfo("jobs", Optional.empty(), Optional.empty(), OptionalLong.of(7), 0, 2);

        assertThat(RunCommand.waiting(WAITED, permits))
                .isEqualTo("fencelock: waiting 3 s for 'jobs', lock free, 2 semaphore permits held");
    }

    @Test
    void theWaitingIndicatorNamesTheHolderAndItsLeaseLeft() {
        LockInfo holder = new LockInfo("jobs", Optional.of("1a2b3c4d"), Optional.of(Duration.ofSeconds(4)),
                OptionalLong.of(7), 2);

        assertThat(RunCommand.waiting(WAITED, holder))
                .startsWith("fencelock: waiting 3 s for 'jobs', held by 1a2b3c4d, 4")
                .endsWith(" s of lease left, and by 2 readers");
    }

    @Test
    void aFreeNameIsBeingReleasedForTheWaiter() {
        LockInfo free = new LockInfo("jobs", Optional.empty(), Optional.empty(), OptionalLong.empty(), 0);

        assertThat(RunCommand.waiting(WAITED, free)).isEqualTo("fencelock: waiting 3 s for 'jobs', being released");
        assertThat(StatusCommand.describe(free)).isEqualTo("jobs: free, no fencing token yet");
    }
}
