package dev.fencelock;

/** What a release found in the store. */
public enum ReleaseOutcome {
    /** The lock key held this lease's owner token and was deleted: the lock is free. */
    RELEASED,
    /**
     * The lease had already been lost (expired, deleted, or taken over) before the release;
     * nothing was deleted, because nothing was ours to delete.
     */
    ALREADY_LOST
}
