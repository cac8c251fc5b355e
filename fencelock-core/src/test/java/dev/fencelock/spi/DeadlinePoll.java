package dev.fencelock.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition of the engine's tests, with a deadline: the test kit's {@code Poll} is out of
 * reach here, since the test kit depends on core.
 */
final class DeadlinePoll {
    private DeadlinePoll() {}

    /** Polls {@code condition} until it holds, for ten seconds at most. */
    static void until(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("the condition held within 10 s").isNegative();
            Thread.sleep(10);
        }
    }
}
