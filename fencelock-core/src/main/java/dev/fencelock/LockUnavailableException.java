package dev.fencelock;

/**
 * The store (Redis, ZooKeeper) could not be reached or did not answer within the command timeout. Thrown within the
 * timeout, never after an unbounded wait. The message names the server as {@code host:port},
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
