package dev.fencelock;

/** The lock was held by someone else for the whole of the allowed wait. */
public final class LockTimeoutException extends LockException {
    private static final long serialVersionUID = 1L;

    public LockTimeoutException(String message) {
        super(message);
    }
}
