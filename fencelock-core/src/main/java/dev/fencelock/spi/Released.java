package dev.fencelock.spi;

import java.util.Objects;

/**
 * What a {@link LockStore#release} found.
 *
 * @param found what the lock held: the owner token (then deleted), nothing, or another owner's token
 * @param queued whether the release queued the releasing client behind the client it woke
 * @param passed the acquisition of the releasing client that a {@link LockStore#releasePermit} granted
 *     the freed permit to, or null
 */
public record Released(Finding found, boolean queued, Passed passed) {

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

    /** A release that passed nothing on. */
    public Released(Finding found, boolean queued) {
        this(found, queued, null);
    }

    /**
     * A permit granted by a release to a waiting acquisition of the releasing client.
     *
     * @param owner the owner token of the acquisition, one of the release's {@link PermitWaiter}s
     * @param fencingToken the token minted for the grant
     */
    public record Passed(String owner, long fencingToken) {
        public Passed {
            Objects.requireNonNull(owner, "owner");
        }
    }
}
