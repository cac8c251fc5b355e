package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** What {@code lock()} does while its store does not answer: it gives up after the outage allowance. */
public final class OutageCheck {
    private OutageCheck() {}

    /**
     * Asserts that {@code lock.lock()}, called while the store does not answer, throws
     * {@link LockUnavailableException} for the store's outage allowance of {@code allowance}.
     * {@code lock()} has no wait of its own: only the allowance ends it, and a hang fails the
     * assertion after 30 s.
     */
    public static void assertLockGivesUpAfter(DistributedLock lock, Duration allowance) {
        long start = System.nanoTime();
        CompletableFuture<Void> locking = CompletableFuture.runAsync(lock::lock);
        assertThatThrownBy(() -> locking.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("answered for " + allowance + " (its outage allowance)");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("kept trying for the allowance").isGreaterThanOrEqualTo(allowance);
    }
}
