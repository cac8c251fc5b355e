package dev.fencelock;

/**
 * The thread waiting in {@link DistributedLock#acquire(java.time.Duration)} was interrupted (for
 * example by {@code ExecutorService.shutdownNow()}): the acquisition was abandoned, a lease won
 * meanwhile was released, and the thread's interrupt status is set again. Unchecked, as the lease
 * methods are; the {@link java.util.concurrent.locks.Lock} view throws the JDK's
 * {@link InterruptedException} instead.
 */
public final class LockInterruptedException extends LockException {
    private static final long serialVersionUID = 1L;

    public LockInterruptedException(String message, InterruptedException cause) {
        super(message, cause);
    }
}
