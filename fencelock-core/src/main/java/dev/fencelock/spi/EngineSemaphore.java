package dev.fencelock.spi;

import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockInterruptedException;
import dev.fencelock.LockTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link DistributedSemaphore} of the engine: a name, a count and default lease options. Each
 * call starts an acquisition of a {@link LockKind#PERMIT} of its own; the engine treats a permit's
 * lease like any other (renewal, lost signal, release).
 */
final class EngineSemaphore implements DistributedSemaphore {
    private final LockEngine client;
    private final String name;
    private final int permits;
    private final LeaseOptions leaseOptions;

    EngineSemaphore(LockEngine client, String name, int permits, LeaseOptions leaseOptions) {
        this.client = client;
        this.name = name;
        this.permits = permits;
        this.leaseOptions = leaseOptions;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int permits() {
        return permits;
    }

    @Override
    public Lease acquire(Duration maxWait) {
        return acquire(maxWait, leaseOptions);
    }

    @Override
    public Lease acquire(Duration maxWait, LeaseOptions options) {
        try {
            EngineLock.throwIfInterrupted();
            return EngineLock.awaitInterruptibly(start(maxWait, options));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockInterruptedException("interrupted while waiting for a permit of semaphore '" + name
                    + "'; the acquisition was abandoned and the thread's interrupt status is set again", e);
        }
    }

    @Override
    public Optional<Lease> tryAcquire() {
        try {
            return Optional.of(EngineLock.awaitUninterruptibly(start(Duration.ZERO, leaseOptions)));
        } catch (LockTimeoutException e) {
            return Optional.empty();
        }
    }

    @Override
    public CompletableFuture<Lease> acquireAsync(Duration maxWait) {
        return acquireAsync(maxWait, leaseOptions);
    }

    @Override
    public CompletableFuture<Lease> acquireAsync(Duration maxWait, LeaseOptions options) {
        return EngineLock.onCallbackThreads(client, start(maxWait, options));
    }

    @Override
    public int availablePermits() {
        return client.availablePermits(name, permits);
    }

    private CompletableFuture<Lease> start(Duration maxWait, LeaseOptions options) {
        return client.acquirePermit(name, permits, maxWait, EngineLock.checkLeaseOptions(options));
    }

    @Override
    public String toString() {
        return "DistributedSemaphore{" + name + ", " + permits + " permits}";
    }
}
