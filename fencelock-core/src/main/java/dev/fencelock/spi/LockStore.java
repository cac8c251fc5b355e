package dev.fencelock.spi;

import dev.fencelock.LockAdmin;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where locks live: the one interface a backend implements. The engine ({@link LockEngine}) does
 * everything else once, for every backend: the local FIFO gate, the {@code Lock} view and its
 * reentrancy, the lease state and its lost signal, the watchdog's schedule, bounded waits and
 * acquisition timing. A store speaks in values — names, owner tokens, leases, fencing tokens, time
 * left — and answers each call with a future that completes within {@link #callTimeout()}.
 *
 * <p>Each method says what it returns when someone else holds the lock. A future that fails
 * carries a {@link dev.fencelock.LockUnavailableException} when the backend did not answer.
 * Implementations are thread-safe; the engine calls them from caller threads, the backend's own
 * threads and its renewal thread, and never blocks in them.
 *
 * <p>Within one engine, at most one {@link LockKind#PLAIN} acquisition
 * per name talks to the store at a time (the engine queues the others locally), and each attempt
 * carries a new owner token; a store that keeps state per waiting client (a queue entry, a
 * sequential node) may key it by name. {@link LockKind#READ} acquisitions of one client take turns
 * in the same way but do not wait for each other's leases to end; {@link LockKind#FAIR} ones all
 * talk to the store at once, each queued by its own owner token. What a store does not need, it
 * may ignore: a store without a waiter queue answers {@code requeue} with
 * {@link Released#queued()} false and does nothing in {@link #stopWaiting}.
 *
 * <p>The names a store is given have been checked by the engine (1 to
 * {@link dev.fencelock.LockClient#MAX_NAME_LENGTH} characters of well-formed UTF-16), and by
 * {@link #checkName(String)} for what the backend itself cannot hold.
 */
public interface LockStore extends AutoCloseable {

    /**
     * Rejects a name that this backend cannot hold (the Redis store: {@code '{'} and {@code '}'},
     * which delimit the hash tag of a lock's keys).
     *
     * @throws IllegalArgumentException naming the argument and what is allowed
     */
    void checkName(String name);

    /**
     * Whether this backend can hold locks of {@code kind}; the engine refuses the others with
     * {@link UnsupportedOperationException} when a lock of that kind is asked for.
     */
    boolean supports(LockKind kind);

    /**
     * Tries once to take {@code name} as a lock of {@code kind} for {@code owner} with a lease of
     * {@code lease}, and mints the fencing token of the acquisition: strictly greater than every
     * token minted before for the name, whatever the kind. {@code waiting}: the caller waits if
     * refused, so the store may queue it (and must let it leave the queue with {@link #stopWaiting}).
     * A {@link LockKind#FAIR} acquisition sends the same owner token with every attempt: the store
     * queues it by that token, at its first attempt.
     *
     * @param alongside for {@link LockKind#READ}: the owner token of a {@link LockKind#PLAIN} lease (the write side)
     *     that the same caller holds, so that the read is granted beside it (a downgrade); else null
     * @return {@link Attempt.Granted} with the token; {@link Attempt.Refused} when someone else
     *     holds the lock, with when to try again; {@link Attempt.Unavailable} when too little of
     *     the backend answered. Never a failed future for an unreachable backend: that is {@code Unavailable}.
     */
    CompletableFuture<Attempt> acquire(LockKind kind, String name, String owner, Duration lease, boolean waiting,
            String alongside);

    /**
     * Sets the leases of {@code batch} to run for their {@link HeldLease#lease()} from now, all of one
     * {@linkplain #renewalShard shard} and at most {@link #maxRenewalBatch()} of them, each only while
     * it still holds its owner token. The watchdog extends leases with it; a fixed lease's extension
     * and a release that keeps the key a while longer may shorten one.
     *
     * @return one {@link Renewal} per lease, in the order of {@code batch}; never a failed future
     */
    CompletableFuture<List<Renewal>> renew(List<HeldLease> batch);

    /**
     * How long a lease of {@code lease}, confirmed by a call sent now, may be trusted on the local
     * clock: the lease less any clock-drift allowance the backend needs (Redlock's). The engine asks
     * when a fixed lease is extended; an acquisition's {@link Attempt.Granted} says it itself.
     */
    default Duration validity(Duration lease) {
        return lease;
    }

    /** The most leases one {@link #renew} call may carry. */
    int maxRenewalBatch();

    /**
     * The shard whose leases may share one {@link #renew} call: 0 for every name on a single
     * server; on Redis Cluster, the hash slot.
     */
    int renewalShard(String name);

    /**
     * Releases {@code name}, held as a lock of {@code kind}, if it still holds {@code owner}, and
     * wakes the waiters the release lets in: one exclusive waiter, or every reader. {@code requeue}:
     * more acquisitions of this client wait for the name, so the store may queue this client behind
     * the one it wakes (then {@link Released#queued()} says so).
     *
     * @return what the release found; the future fails with
     *     {@link dev.fencelock.LockUnavailableException} when the backend did not answer, and the
     *     lock then expires with its lease
     */
    CompletableFuture<Released> release(LockKind kind, String name, String owner, boolean requeue);

    /**
     * Starts watching {@code name} for the releases that concern the acquisition of {@code kind}
     * by {@code owner}: completes once no later release can be missed. A {@link LockKind#FAIR}
     * watch need only wake when its acquisition may be next. The engine closes every watch it opens.
     */
    CompletableFuture<ReleaseWatch> watch(LockKind kind, String name, String owner);

    /**
     * Takes this client's acquisition of {@code kind} off the name's waiter queue, if it is on it:
     * for {@link LockKind#FAIR}, the acquisition of {@code owner}. Best effort, not waited for.
     */
    void stopWaiting(LockKind kind, String name, String owner);

    /**
     * Whether anyone, in any process, holds {@code name} right now as {@code kind}: for
     * {@link LockKind#READ}, whether any reader does; for the exclusive kinds, whether an exclusive
     * holder does.
     */
    CompletableFuture<Boolean> isLocked(LockKind kind, String name);

    /**
     * Called once by the engine, before any other call, with where the store reports what it learns
     * between the engine's calls: leases lost (a ZooKeeper session that expired takes every lease of
     * the client with it), so that their loss is signalled at once rather than at the next renewal;
     * and how long its leases are confirmed for (a session that cannot be confirmed may expire). A
     * store that learns of losses only when it is called ignores it, as the default does.
     */
    default void reportTo(LeaseReports reports) {}

    /** The operator's view of this store's locks. */
    LockAdmin admin();

    /** How long one call to the backend may take; every lease must be longer than three of them. */
    Duration callTimeout();

    /**
     * How long a waiter that was passed over — a release woke another client and queued this one
     * behind it — waits for the next release before trying anyway.
     */
    Duration designationTimeout();

    /**
     * The longest a waiting acquisition of {@code kind} goes without trying again (so that the
     * store sees it alive). A fair queue may allow longer: a gone waiter costs its claim window only
     * once it is at the head.
     */
    Duration keepAliveInterval(LockKind kind);

    /**
     * A pause before trying again after a grant that came too late to use: random, so that
     * competing clients do not collide again.
     */
    Duration retryPause();

    /** The backend, for messages: {@code Redis at host:port}, never with credentials. */
    String describe();

    /** Closes the connections. Leases are released by the engine before. */
    @Override
    void close();
}
