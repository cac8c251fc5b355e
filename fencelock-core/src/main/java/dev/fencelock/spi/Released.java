package dev.fencelock.spi;

import java.util.Objects;

/**
 * What a {@link LockStore#release} found.
 *
 * @param found what the lock held: the owner token (then deleted), nothing, or another owner's token
 * @param queued whether the release queued the releasing client behind the client it woke
 */
public record Released(Finding found, boolean queued) {

    /** What the lock held when the release ran. */
    public enum Finding {
        /** The owner token: deleted. */
        OURS,
        /** Nothing: the lease had been lost before (expired, deleted). */
        GONE,
        /** Another owner's token: untouched, and the lease had been lost before. */
        TAKEN
    }

    public Released {
        Objects.requireNonNull(found, "found");
    }
}
