package dev.fencelock.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The backoff of a waiter while a foreign client holds the lock. */
class ForeignHolderPollTest {
    private static final long MS = 1_000_000;
    private static final long NO_CAP = Duration.ofHours(1).toNanos();

    @RepeatedTest(20)
    void waitsDoubleFrom25To500MillisecondsEachJitteredDownByUpToHalf() {
        ForeignHolderPoll poll = new ForeignHolderPoll();
        for (long bound : new long[] {25, 50, 100, 200, 400, 500, 500, 500}) {
            assertThat(poll.nextDelayNanos(NO_CAP)).as("a wait of the step bounded by %d ms", bound)
                    .isBetween(bound * MS / 2, bound * MS);
        }
    }

    @Test
    void noWaitOutlastsTheHoldersLease() {
        ForeignHolderPoll poll = new ForeignHolderPoll();
        for (int i = 0; i < 10; i++) {
            assertThat(poll.nextDelayNanos(3 * MS)).isLessThanOrEqualTo(3 * MS);
        }
    }
}
