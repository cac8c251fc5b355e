package dev.fencelock;

/**
 * The store (Redis, ZooKeeper) could not be reached or did not answer within the command timeout. Never
 * thrown after an unbounded wait: a call to a lone server throws it within the command timeout (a
 * release within two); an acquisition on a Cluster, Redlock or ZooKeeper, which tries again, once
 * the store went unanswered for the outage allowance or its wait ended. The message names the server as {@code host:port},
 * never its credentials.
 */
public final class LockUnavailableException extends LockException {
    private static final long serialVersionUID = 1L;

    public LockUnavailableException(String message) {
        super(message);
    }

    public LockUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
