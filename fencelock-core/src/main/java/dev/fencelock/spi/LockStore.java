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
 * in the same way but do not wait for each other's leases to end; {@link LockKind#FAIR} and
 * {@link LockKind#PERMIT} ones all talk to the store at once, each queued by its own owner token. A multi-lock ({@link #acquireAll})
 * has a local gate of its own, per set of names: its attempts may meet a plain acquisition of one of
 * its names from the same client, and a store that keys a waiter by client lets the two share it.
 * What a store does not need, it may ignore: a store without a waiter queue answers {@code requeue} with
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
     * token minted before for the name, whatever the kind (a store may grant a downgrade, a
     * {@code READ} beside the caller's own exclusive lease, its exclusive lease's token instead, when
     * that is what keeps later writers' tokens greater). {@code waiting}: the caller waits if
     * refused, so the store may queue it (and must let it leave the queue with {@link #stopWaiting}).
     * A grant leaves no queue entry of the caller behind: a store whose servers may queue it where
     * they do not grant (Redlock) takes it off their queues itself. So a grant ends the caller's
     * place in the queue, even one that the engine gives back as too late to use.
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
     * Tries once to take one of the {@code permits} permits of the semaphore {@code name} for
     * {@code owner}, with a lease of {@code lease}, and mints the fencing token of the acquisition
     * from the name's one sequence, as {@link #acquire} does. The count lives in the store: the first
     * acquisition records it, and an acquisition that names another one is {@link Attempt.Rejected}.
     * Permits are granted in the order acquisitions arrived at the store, each queued by its owner
     * token (the same for every attempt of one acquisition) when {@code waiting}, as a
     * {@link LockKind#FAIR} acquisition is. The leases, releases, watches and queue exits of permits
     * are those of {@link LockKind#PERMIT} in the other methods.
     *
     * <p>The default refuses: a store without semaphores says so in {@link #supports}, and never
     * gets here.
     *
     * @return {@link Attempt.Granted} with the token; {@link Attempt.Refused} when no permit is free
     *     for this acquisition; {@link Attempt.Unavailable} when too little of the backend answered;
     *     {@link Attempt.Rejected} with an {@link IllegalArgumentException} when the store holds
     *     another count
     */
    default CompletableFuture<Attempt> acquirePermit(String name, int permits, String owner, Duration lease,
            boolean waiting) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no semaphores on " + describe()));
    }

    /**
     * How many of the {@code permits} permits of the semaphore {@code name} no live lease holds
     * right now. The default refuses, as {@link #acquirePermit} does.
     *
     * @return the count; the future fails with {@link IllegalArgumentException} when the store holds
     *     another count, and with {@link dev.fencelock.LockUnavailableException} when the backend did
     *     not answer
     */
    default CompletableFuture<Integer> availablePermits(String name, int permits) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no semaphores on " + describe()));
    }

    /**
     * Sets the leases of {@code batch} to run for their {@link HeldLease#lease()} from now, all of one
     * {@linkplain #renewalShard shard} and at most {@link #maxRenewalBatch()} of them, each only while
     * it still holds its owner token. The watchdog extends leases with it; a fixed lease's extension
     * and a release that keeps the key a while longer may shorten one. Calls made one after the
     * other from one thread should take effect in that order for the names they share (the engine
     * sends them all from the watchdog's thread, so that the last word on an expiry is the last
     * sent). The Redis store keeps it, but for a call sent again after NOSCRIPT or TRYAGAIN, or
     * redirected by a Cluster's MOVED, which may land after a later one.
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
     * wakes the waiters the release lets in: one exclusive waiter, every reader, or for a
     * {@link LockKind#PERMIT} the waiter the freed permit is kept for. {@code requeue}:
     * more acquisitions of this client wait for the name, so the store may queue this client behind
     * the one it wakes (then {@link Released#queued()} says so).
     *
     * @return what the release found; the future fails with
     *     {@link dev.fencelock.LockUnavailableException} when the backend did not answer, and the
     *     lock then expires with its lease
     */
    CompletableFuture<Released> release(LockKind kind, String name, String owner, boolean requeue);

    /**
     * Releases the permit of {@code owner} of the semaphore {@code name} as {@link #release} does,
     * and, when the first acquisition of the store's queue is one of {@code waiters} (acquisitions
     * of this client that wait for a permit of the semaphore), grants it the permit in the same
     * call: a lease of its {@link PermitWaiter#lease()} and a fencing token minted as
     * {@link #acquirePermit} mints one. A hand-off between two acquisitions of one client then costs
     * the release alone. The grant's lease starts after this call was sent; the acquisition learns
     * of it from {@link Released#passed()}. An attempt of its own that reaches the store after the
     * grant is granted again, as the same permit, with a new token (the reply may have been lost).
     *
     * <p>The default passes nothing on: a waiter is woken as {@link #release} wakes it.
     */
    default CompletableFuture<Released> releasePermit(String name, String owner, List<PermitWaiter> waiters) {
        return release(LockKind.PERMIT, name, owner, false);
    }

    /**
     * Starts watching {@code name} for the releases that concern the acquisition of {@code kind}
     * by {@code owner}: completes once no later release can be missed. A {@link LockKind#FAIR} or
     * {@link LockKind#PERMIT} watch need only wake when its acquisition may be next. The engine closes every watch it opens.
     */
    CompletableFuture<ReleaseWatch> watch(LockKind kind, String name, String owner);

    /**
     * Whether an acquisition of {@code kind} that will wait {@linkplain #watch watches} before its
     * first attempt, rather than after a refusal (it then tries again at once, for a release between
     * the two). By default the kind's own rule ({@link LockKind#watchesBeforeFirstAttempt}); a store
     * whose watch costs nothing until a refused attempt arms it (ZooKeeper's, armed on the node
     * waited for) says true for every kind, and saves each contended acquisition an attempt.
     */
    default boolean watchesBeforeFirstAttempt(LockKind kind) {
        return kind.watchesBeforeFirstAttempt();
    }

    /**
     * Whether every {@link LockKind#PLAIN} acquisition queues at the store on its own, by one owner
     * token across its attempts, as a {@link LockKind#FAIR} one does, instead of the threads of a
     * client sharing one remote waiter behind the name's local gate. For a store whose waiters cost
     * nothing while they wait and whose release wakes only the next one (ZooKeeper's nodes, each
     * watching its predecessor): every thread's place is then queued before the lock is released,
     * and a hand-off between two threads of one client costs no new place in the queue. False by
     * default: on a store that announces a release to every client, one waiter per client is what
     * keeps a hot lock from becoming a thundering herd.
     */
    default boolean queuesEachPlainAcquisition() {
        return false;
    }

    /**
     * Takes this client's acquisition of {@code kind} off the name's waiter queue, if it is on it:
     * for {@link LockKind#FAIR} and {@link LockKind#PERMIT}, the acquisition of {@code owner}. Best
     * effort, not waited for.
     */
    void stopWaiting(LockKind kind, String name, String owner);

    /**
     * Whether anyone, in any process, holds {@code name} right now as {@code kind}: for
     * {@link LockKind#READ}, whether any reader does; for the exclusive kinds, whether anyone they
     * would wait for does: an exclusive holder or a reader.
     */
    CompletableFuture<Boolean> isLocked(LockKind kind, String name);

    /**
     * Whether this backend can hold multi-locks ({@link #acquireAll}); the engine refuses them with
     * {@link UnsupportedOperationException} when it cannot. False unless a store says otherwise, so
     * that a store written before multi-locks compiles and runs unchanged.
     */
    default boolean supportsMultiLock() {
        return false;
    }

    /**
     * Tries once to take every one of {@code names} (distinct, checked, at most {@link
     * dev.fencelock.LockClient#MAX_MULTI_LOCK_NAMES}) as {@link LockKind#PLAIN} locks for one
     * {@code owner}, all or none: when it answers, the owner holds all of them or none (a name taken
     * on the way is given back before the answer). Mints one fencing token for them all: strictly
     * greater than every token minted before for each name, and every later token of each name is
     * greater (each name's sequence is advanced to it). {@code waiting}: as for {@link #acquire}, for
     * the name that refused.
     *
     * @return {@link Attempt.Granted}; {@link Attempt.Refused} naming the name whose holder refused
     *     ({@link Attempt.Refused#blockedBy()}); {@link Attempt.Unavailable}
     */
    default CompletableFuture<Attempt> acquireAll(List<String> names, String owner, Duration lease, boolean waiting) {
        throw new UnsupportedOperationException("multi-locks are not supported on " + describe());
    }

    /**
     * Releases every one of {@code names} that still holds {@code owner} (an {@link #acquireAll}
     * lease), waking a waiter of each as {@link #release} does.
     *
     * @return {@link Released.Finding#OURS} when every name held {@code owner}; otherwise the lease
     *     had been lost before: {@link Released.Finding#TAKEN} when another owner holds one of them,
     *     else {@link Released.Finding#GONE}. Never queued. The future fails as {@link #release}'s does.
     */
    default CompletableFuture<Released> releaseAll(List<String> names, String owner) {
        throw new UnsupportedOperationException("multi-locks are not supported on " + describe());
    }

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

    /** The {@link #outageAllowance} of a store that does not say. */
    Duration DEFAULT_OUTAGE_ALLOWANCE = Duration.ofSeconds(30);

    /** The longest {@link #outageAllowance} a store's options accept. */
    Duration MAX_OUTAGE_ALLOWANCE = Duration.ofDays(1);

    /**
     * How long an acquisition that waits keeps trying while too little of the backend answers (an
     * attempt answered {@link Attempt.Unavailable} with a pause): long enough to outlast a failover
     * or an election, after which it throws {@link dev.fencelock.LockUnavailableException} whatever
     * is left of its wait. By default {@link #DEFAULT_OUTAGE_ALLOWANCE}.
     */
    default Duration outageAllowance() {
        return DEFAULT_OUTAGE_ALLOWANCE;
    }

    /** The backend, for messages: {@code Redis at host:port}, never with credentials. */
    String describe();

    /** Closes the connections. Leases are released by the engine before. */
    @Override
    void close();
}
