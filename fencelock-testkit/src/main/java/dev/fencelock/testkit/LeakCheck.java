package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.spi.LockEngine;
import java.time.Duration;
import java.util.function.ToIntFunction;

/**
 * What a client must have let go of once a test is over: no lease still renewed, no name still in
 * use, nothing its store still holds for waiters ({@code watchesLeft}: release subscriptions on
 * Redis, watches on ZooKeeper).
 */
public final class LeakCheck {
    private LeakCheck() {}

    /** Asserts that {@code client} holds nothing, once an acquisition abandoned by the test has settled. */
    public static void assertSettled(LockEngine client, ToIntFunction<LockEngine> watchesLeft) {
        awaitSettled(client, watchesLeft);
        assertThat(client.leasesWatched()).as("leases still renewed by %s", client).isZero();
        assertThat(client.namesInUse()).as("names still in use in %s", client).isZero();
        assertThat(watchesLeft.applyAsInt(client)).as("watches still open in %s", client).isZero();
    }

    /**
     * An abandoned acquisition may still have one attempt in flight: gives it 5 s to settle, and
     * returns either way, for the assertions that follow to say what is left.
     */
    public static void awaitSettled(LockEngine client, ToIntFunction<LockEngine> watchesLeft) {
        try {
            Poll.until("settling of " + client, Duration.ofSeconds(5), () -> client.leasesWatched() == 0
                    && client.namesInUse() == 0 && watchesLeft.applyAsInt(client) == 0);
        } catch (AssertionError unsettled) {
            // The assertions that follow say what is left.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
