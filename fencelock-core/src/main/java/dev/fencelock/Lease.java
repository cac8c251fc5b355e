package dev.fencelock;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One acquisition of a distributed lock. A lease is owned by its random owner token, not by a
 * thread: it may be handed to and released from any thread, exactly once (further {@link #close()}
 * calls do nothing), and every acquisition gets a lease of its own.
 *
 * <p>While held, a watchdog renews the lease at a third of its length (unless it was acquired with
 * {@link LeaseOptions#fixed(Duration)}). When the lease is lost — a renewal finds the key gone or
 * owned by someone else, or the lease runs out on the local monotonic clock before a renewal is
 * confirmed, or its {@link LockClient} is closed — the holder is told: {@link #lost()} completes,
 * {@link #onLost} listeners run, the thread holding it through the {@code Lock} view is interrupted
 * if {@link LeaseOptions#interruptHolderOnLoss()} was chosen, and {@link #checkValid()} throws.
 *
 * <p>No lease can stop a holder that is paused past its lease from acting on a stale belief. Pass
 * {@link #fencingToken()} to the resource and let it reject writes that carry an older token
 * ({@code dev.fencelock.redis.FencedRedis} does this for a Redis value).
 *
 * <p>Thread-safe.
 */
public interface Lease extends AutoCloseable {

    /** The name of the lock this lease holds. */
    String lockName();

    /**
     * The fencing token of this acquisition: strictly greater than the token of every earlier
     * acquisition of the same lock name. Exceptions: the {@code Lock} view's reentrant holds share
     * one; on ZooKeeper a downgrade taken while a writer waits shares its write lease's (the read
     * then holds the write lease's node, so that the waiting writer cannot overtake it), and readers'
     * tokens are not in the order they were granted; under Redlock two readers granted at once may
     * share one. A writer's token is greater than every reader's granted before it, everywhere.
     */
    long fencingToken();

    /**
     * Whether the lease is still held: not released, not lost, and not past its local deadline.
     * A {@code true} answer is a belief, good for at most {@link #remaining()}.
     */
    boolean isValid();

    /**
     * How long the lease is still guaranteed on the local monotonic clock, measured from the moment
     * the last confirmed acquire or renewal was sent; zero once released or lost.
     */
    Duration remaining();

    /**
     * Throws unless the lease is still valid. Call it right before a side effect.
     *
     * @throws LockLostException if the lease was lost or has run out
     * @throws IllegalStateException if the lease was released
     */
    void checkValid();

    /**
     * Completes, with the exception that describes the loss, when the lease is lost. Stays
     * incomplete when the lease is released normally.
     */
    CompletionStage<LockLostException> lost();

    /**
     * Runs {@code listener} when the lease is lost, on a Fencelock callback thread (never on the
     * thread that renews leases), or at once on the calling thread if the lease is already lost.
     *
     * @return this lease
     */
    Lease onLost(Consumer<LockLostException> listener);

    /**
     * Releases this lease: stops its renewal and deletes the lock key, but only while the key still
     * holds this lease's owner token. A release whose reply was lost is retried once with the same
     * token after the first try timed out, and the server remembers the first one, so that the outcome
     * is still told precisely: a release returns, or throws, within two command timeouts.
     *
     * @return {@link ReleaseOutcome#RELEASED}, or {@link ReleaseOutcome#ALREADY_LOST} when the
     *     lease had been lost before (then signalled lost, if it was not yet)
     * @throws IllegalStateException if this lease was already released
     * @throws LockUnavailableException if the store did not answer; the lock then expires with its lease
     */
    ReleaseOutcome release();

    /**
     * Releases this lease for its holder now, but keeps the lock taken in the store for {@code keep}
     * more, so that nobody acquires it before then: for a job that must not run again too soon
     * (ShedLock's {@code lockAtLeastFor}). Only where the key still holds this lease's owner token
     * (a compare-and-expire, never a plain write); the lock's waiters are not woken by it, and take
     * the lock once the key has expired (on Redis at their next try, within their keep-alive
     * interval: the command timeout for a plain lock's waiter). A {@code keep} of zero is a plain
     * {@link #release()}.
     *
     * @param keep from zero to {@link LeaseOptions#MAX_LEASE}
     * @return as {@link #release()}
     * @throws IllegalArgumentException if {@code keep} is negative or longer than allowed
     * @throws IllegalStateException if this lease was already released
     * @throws LockUnavailableException if the store did not confirm; the store may or may not have
     *     set the key to expire after {@code keep}, else it expires as it would have
     */
    ReleaseOutcome releaseAfter(Duration keep);

    /**
     * Moves the end of this {@linkplain LeaseOptions#fixed(Duration) fixed} lease to {@code lease}
     * from now, earlier or later than before, where the lock key still holds this lease's owner
     * token: the holder's own upper bound, re-set (ShedLock's {@code extend}). The fencing token stays.
     *
     * @param lease from {@link LeaseOptions#MIN_FIXED_LEASE} to {@link LeaseOptions#MAX_LEASE}
     * @return true when the lease now ends then; false when it had been lost or had run out (and is
     *     signalled lost), so that nothing was extended
     * @throws IllegalArgumentException if {@code lease} is out of range, or the store's clock-drift
     *     allowance (Redlock's) leaves nothing of it
     * @throws IllegalStateException if this lease was released, or is renewed by the watchdog
     * @throws LockUnavailableException if the store did not confirm; the store may or may not have
     *     moved the end, so the lease now ends at the earlier of its old end and the one asked for
     */
    boolean extend(Duration lease);

    /**
     * Releases this lease, like {@link #release()}, but does nothing when called again and does not
     * throw when the lease was already lost (its loss was signalled when it happened).
     *
     * @throws LockUnavailableException if the store did not answer; the lock then expires with its lease
     */
    @Override
    void close();
}
