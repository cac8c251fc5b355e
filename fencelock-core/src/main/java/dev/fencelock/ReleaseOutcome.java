package dev.fencelock;

/** What a release found in the store. */
public enum ReleaseOutcome {
    /** The lock key held this lease's owner token and was deleted: the lock is free. */
    RELEASED,
    /**
     * The lease had already been lost (expired, deleted, or taken over) before the release, and its
     * loss was signalled. Nothing of another owner's was deleted: the release deletes a key only
     * while it still holds this lease's owner token (a lease that ran out on the client's clock
     * may still hold it).
     */
    ALREADY_LOST
}
