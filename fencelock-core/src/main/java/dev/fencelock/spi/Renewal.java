package dev.fencelock.spi;

/** What a renewal found for one lease. */
public enum Renewal {
    /** Extended: the lock still held the owner token. */
    RENEWED,
    /** The lock was gone (deleted, expired, lost in a restart or failover): the lease is lost. */
    GONE,
    /** Another owner holds the lock: the lease is lost. */
    TAKEN,
    /** Too little of the backend answered to tell: the engine tries again until the lease runs out. */
    UNCONFIRMED
}
