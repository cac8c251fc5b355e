package dev.fencelock;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A named lock that every process connected to the same store (Redis, ZooKeeper) respects.
 *
 * <p>Two views of one lock, with one ownership rule: <b>a lease belongs to its owner token, not to a
 * thread.</b> Every call of the {@link Lease} methods ({@link #acquire}, {@link #tryAcquire},
 * {@link #acquireAsync}) starts an acquisition of its own and returns a lease with its own, strictly
 * greater fencing token (but for a ZooKeeper downgrade taken while a writer waits, which has its
 * write lease's), which may be released from any thread; a second {@code acquire} on a thread
 * that holds a lease waits (or times out) like any other caller. Two tasks on one single-threaded
 * executor therefore never share a lease or a token. The one exception: a thread that holds the
 * name through the Lock view below (this lock's, or another lock's over the same name) is refused a
 * lease method's acquisition of it at once, for which it would wait forever
 * ({@link IllegalMonitorStateException}); but a read lease beside the thread's own read or write hold
 * (a downgrade) is not refused, and waits, as any new reader does, while a writer is queued.
 *
 * <p>The {@link Lock} methods ({@link #lock}, {@link #tryLock()}, {@link #lockInterruptibly},
 * {@link #unlock}) bind a hold to the calling thread and are reentrant for it, as
 * {@link java.util.concurrent.locks.ReentrantLock} is: a nested {@code lock()} counts a hold on the
 * thread's lease without touching the store; only the last {@code unlock()} releases it. A thread whose
 * lease was lost (or has run out) acquires anew, with a new token; its holds on the lost lease
 * release nothing of another owner's, and their {@code unlock()} throws {@link LockLostException}.
 * A thread that ends holding the lock this way, without its {@code unlock()}, has it released at the
 * lease's next renewal (with a warning in the log): nobody else could release it.
 *
 * <p>Threads of one {@link LockClient} waiting for the same name of a plain or read lock on Redis
 * queue locally in FIFO order, and only the first of them talks to the store; it is woken by the
 * holder's release, or by the holder's remaining lease time running out. Fair locks, and every lock
 * on ZooKeeper, queue each acquisition at the store instead.
 *
 * <p>Every method may throw {@link LockUnavailableException} when the store does not answer within the
 * command timeout. Thread-safe.
 */
public interface DistributedLock extends Lock {

    /** The lock's name, as given to {@link LockClient#lock(String)}. */
    String name();

    /**
     * Acquires the lock, waiting at most {@code maxWait}, with the lock's default lease options.
     *
     * @param maxWait how long to wait for another holder to release; zero tries once
     * @throws LockTimeoutException if the lock stayed held by someone else for {@code maxWait}
     * @throws LockUnavailableException if the store did not answer: a lone server within the command
     *     timeout; a store that is tried again (a Cluster, Redlock, ZooKeeper) for the whole wait or
     *     for its outage allowance, whichever ends first
     * @throws LockInterruptedException if the thread was interrupted before or while it waited;
     *     its interrupt status is set again
     * @throws IllegalArgumentException if {@code maxWait} is negative
     * @throws IllegalMonitorStateException if the calling thread holds the name through the Lock
     *     view (this lock's, or another lock's over the same name), which this would wait for forever
     * @throws IllegalStateException if the client is closed, or is closed while this waits
     */
    Lease acquire(Duration maxWait);

    /**
     * As {@link #acquire(Duration)}, with the given lease options for this acquisition.
     *
     * @throws IllegalArgumentException also if {@code options} ask to interrupt the holder on loss
     *     (a lease belongs to no thread: use {@link Lease#onLost}), or are renewing and not longer
     *     than three of the client's command timeouts
     */
    Lease acquire(Duration maxWait, LeaseOptions options);

    /**
     * Tries once, without waiting.
     *
     * @return the lease, or empty if someone else holds the lock, or if another acquisition of this
     *     client is already under way for it where the client's threads take turns (see above)
     * @throws LockUnavailableException if the store did not answer within the command timeout
     * @throws IllegalMonitorStateException if the calling thread holds the name through the Lock
     *     view (this lock's, or another lock's over the same name): a lease of it would wait for
     *     that hold
     */
    Optional<Lease> tryAcquire();

    /**
     * Acquires without blocking the calling thread. The future fails with
     * {@link LockTimeoutException} or {@link LockUnavailableException}. Completing it first in any
     * way abandons the attempt: cancelling it, {@code orTimeout}, {@code completeOnTimeout},
     * {@code complete} or {@code completeExceptionally} (a lease granted after that is released at
     * once). Like every lease
     * method, it starts a new acquisition of its own. What {@link #acquire(Duration, LeaseOptions)}
     * refuses before it starts (a negative wait, refused options, a closed client, and with
     * {@link IllegalMonitorStateException} a name the thread holds through the Lock view, this
     * lock's own included) is thrown at once, not through the future.
     */
    CompletableFuture<Lease> acquireAsync(Duration maxWait);

    /** As {@link #acquireAsync(Duration)}, with the given lease options for this acquisition. */
    CompletableFuture<Lease> acquireAsync(Duration maxWait, LeaseOptions options);

    /**
     * Whether anyone, in any process, holds the lock right now (one round trip to the store): for a
     * plain, fair, write or multi-lock, anyone it would wait for, an exclusive holder or a reader;
     * for a read lock, a reader.
     */
    boolean isLocked();

    /**
     * Whether the calling thread holds the lock through the {@link Lock} view with a lease that has
     * not been lost or released. Leases from the lease methods belong to no thread and do not count.
     */
    boolean isHeldByCurrentThread();

    /** How many {@link Lock}-view holds the calling thread has on its valid lease; zero if none. */
    int holdCount();

    /**
     * Acquires, waiting as long as another holder holds, like {@link Lock#lock()}: an interrupt
     * while waiting is remembered and re-asserted once the lock is held.
     *
     * @throws LockUnavailableException if the store did not answer: a lone server within the
     *     command timeout; a store that is tried again (a Cluster, Redlock, ZooKeeper) once it went
     *     unanswered for its outage allowance
     */
    @Override
    void lock();

    /**
     * Releases one hold of the calling thread.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold this lock
     * @throws LockLostException if the lease had been lost before the release (its loss was
     *     signalled when it happened; nothing of another owner's was deleted, see
     *     {@link ReleaseOutcome#ALREADY_LOST})
     */
    @Override
    void unlock();

    /** Not supported: a distributed lock has no distributed condition variables. */
    @Override
    Condition newCondition();
}
