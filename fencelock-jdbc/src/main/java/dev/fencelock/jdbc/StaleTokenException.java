package dev.fencelock.jdbc;

import dev.fencelock.LockException;

/**
 * The database refused a fencing token because a newer one was already recorded for the same
 * resource: the caller's lease has ended and a newer holder has written (or is writing). The
 * transaction that presented the stale token has been rolled back, so nothing it wrote commits.
 *
 * <p>Retrying with the same token cannot succeed; take the lock again for a new one.
 */
public final class StaleTokenException extends LockException {
    private static final long serialVersionUID = 1L;

    private final String resource;
    private final long token;
    private final long newerToken;

    public StaleTokenException(String resource, long token, long newerToken) {
        super("stale fencing token for " + resource + ": token " + token + " is older than token " + newerToken
                + ", which a newer holder presented; the write was refused and its transaction, if any, rolled back");
        this.resource = resource;
        this.token = token;
        this.newerToken = newerToken;
    }

    /** The fenced resource: the name given to {@link JdbcFence#check}, or the row a {@link FenceColumn} update named. */
    public String resource() {
        return resource;
    }

    /** The token that was refused. */
    public long token() {
        return token;
    }

    /** The newer token recorded for the resource, which made the database refuse {@link #token()}. */
    public long newerToken() {
        return newerToken;
    }
}
