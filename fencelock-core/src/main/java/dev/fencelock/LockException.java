package dev.fencelock;

/**
 * The root of Fencelock's exceptions. Unchecked, so that the {@link java.util.concurrent.locks.Lock}
 * view of a {@link DistributedLock} can report store failures without breaking the JDK signatures.
 */
public class LockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LockException(String message) {
        super(message);
    }

    public LockException(String message, Throwable cause) {
        super(message, cause);
    }
}
