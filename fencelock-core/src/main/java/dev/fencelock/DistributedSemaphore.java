package dev.fencelock;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A named semaphore that every process connected to the same store respects: at most
 * {@link #permits()} leases of it are held at once, across all processes.
 *
 * <p><b>Each permit is a lease</b>, with everything a lock's lease has: the watchdog renews it,
 * its loss is signalled ({@link Lease#lost()}, {@link Lease#checkValid()}), a holder that crashes
 * frees its permit within one lease, and it carries a fencing token from the name's one sequence
 * (strictly greater than every token minted before for the name, whatever the kind), which the
 * resource can check. A semaphore is not the lock of the same name: they share the token sequence
 * only.
 *
 * <p><b>The count lives in the store.</b> The first acquisition records it; every later
 * acquisition and {@link #availablePermits()} of any client that names a different count fails
 * with {@link IllegalArgumentException}, naming both counts. There is no {@code setPermits}: a
 * count changes only once no client uses the semaphore and the store has forgotten it (it is kept
 * as long as the name's fence counter, hours after the last acquisition), so that two clients can
 * never each believe their own limit.
 *
 * <p><b>Waiters are served in order of arrival at the store</b>, across every client and thread:
 * a freed permit goes to the longest-waiting acquisition, which is woken alone (one wake per freed
 * permit, never a herd); a waiter that is gone (crashed, paused) is skipped after a short claim
 * window of the store's clock. {@link #tryAcquire()} succeeds only when a permit is free that no
 * waiter is queued for: it never barges. A permit freed by a lease that ran out (a crashed holder)
 * is announced to nobody; the waiters try again when the earliest lease was due to end.
 *
 * <p>Every lease method starts an acquisition of its own with a new owner token and fencing token;
 * a thread may hold several permits. Every method may throw {@link LockUnavailableException} when
 * the store does not answer within the command timeout. Thread-safe.
 */
public interface DistributedSemaphore {

    /** The most permits a semaphore may have. */
    int MAX_PERMITS = 10_000;

    /** The semaphore's name, as given to {@link LockClient#semaphore(String, int)}. */
    String name();

    /** The number of permits this client named for the semaphore. */
    int permits();

    /**
     * Takes a permit, waiting at most {@code maxWait}, with the client's default renewing lease.
     *
     * @param maxWait how long to wait for a permit to free; zero tries once (and never barges)
     * @throws LockTimeoutException if no permit came free for this acquisition within {@code maxWait}
     * @throws LockUnavailableException if the store did not answer: a lone server within the command
     *     timeout; a store that is tried again (a Cluster, Redlock, ZooKeeper) for the whole wait or
     *     for its outage allowance, whichever ends first
     * @throws LockInterruptedException if the thread was interrupted before or while it waited;
     *     its interrupt status is set again
     * @throws IllegalArgumentException if {@code maxWait} is negative, or the store holds a different
     *     count for the semaphore
     * @throws IllegalStateException if the client is closed, or is closed while this waits
     */
    Lease acquire(Duration maxWait);

    /** As {@link #acquire(Duration)}, with the given lease options for this permit. */
    Lease acquire(Duration maxWait, LeaseOptions options);

    /**
     * Tries once, without waiting.
     *
     * @return the permit's lease, or empty if every permit is held, or the free ones are kept for
     *     waiters that queued before
     * @throws LockUnavailableException if the store did not answer within the command timeout
     * @throws IllegalArgumentException if the store holds a different count for the semaphore
     */
    Optional<Lease> tryAcquire();

    /**
     * Takes a permit without blocking the calling thread. The future fails with
     * {@link LockTimeoutException}, {@link LockUnavailableException} or {@link IllegalArgumentException}
     * (a different count in the store). Completing it first in any way abandons the attempt:
     * cancelling it, {@code orTimeout}, {@code completeOnTimeout}, {@code complete} or
     * {@code completeExceptionally} (a permit granted after that is released at once).
     */
    CompletableFuture<Lease> acquireAsync(Duration maxWait);

    /** As {@link #acquireAsync(Duration)}, with the given lease options for this permit. */
    CompletableFuture<Lease> acquireAsync(Duration maxWait, LeaseOptions options);

    /**
     * How many permits are not held right now, in any process (one round trip to the store); a
     * free permit may be kept for a queued waiter. Holders whose leases ran out do not count.
     *
     * @throws LockUnavailableException if the store did not answer within the command timeout
     * @throws IllegalArgumentException if the store holds a different count for the semaphore
     */
    int availablePermits();
}
