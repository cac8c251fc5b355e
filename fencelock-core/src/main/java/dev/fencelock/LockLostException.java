package dev.fencelock;

/**
 * A lease ended while its holder still held it: the lock may now be held by someone else, and any
 * side effect the holder performs from here on is unprotected (unless the resource checks the
 * {@linkplain Lease#fencingToken() fencing token}).
 */
public final class LockLostException extends LockException {
    private static final long serialVersionUID = 1L;

    /** Why a lease was lost. */
    public enum Reason {
        /** A renewal found the lock key gone: deleted, expired, or wiped by a restart or failover of the store. */
        KEY_GONE,
        /** A renewal found the lock key holding another owner's token. */
        OWNER_CHANGED,
        /**
         * The lease ran out on the local monotonic clock before a renewal was confirmed: the store was
         * unreachable, or the holder itself was paused, or the lease was fixed and not renewed.
         */
        EXPIRED,
        /** The {@link LockClient} was closed while the lease was held: the close released its key. */
        CLIENT_CLOSED
    }

    private final String lockName;
    private final Reason reason;

    public LockLostException(String lockName, Reason reason, String message) {
        super(message);
        this.lockName = lockName;
        this.reason = reason;
    }

    /** The name of the lock whose lease was lost. */
    public String lockName() {
        return lockName;
    }

    /** Why the lease was lost. */
    public Reason reason() {
        return reason;
    }
}
