package dev.fencelock;

/**
 * A connection to a lock store that hands out {@link DistributedLock}s. Create one per application
 * with a store's entry point ({@code dev.fencelock.redis.RedisLocks.connect(uri)}) and share it: on
 * Redis it holds one command connection, one pub/sub
 * connection and one renewal thread for all of its locks.
 *
 * <p>Thread-safe.
 */
public interface LockClient extends AutoCloseable {

    /**
     * The lock called {@code name}, with the client's default lease. Cheap: the lock is not
     * contacted until it is acquired, and every call with the same name works on the same lock.
     *
     * @param name 1 to {@value #MAX_NAME_LENGTH} characters
     * @throws IllegalArgumentException if the name is empty or longer than allowed
     */
    DistributedLock lock(String name);

    /**
     * The lock called {@code name}, whose {@link java.util.concurrent.locks.Lock} methods, and lease
     * methods given no options of their own, use {@code options} (the lease methods without its
     * interrupt on loss: a lease belongs to no thread).
     */
    DistributedLock lock(String name, LeaseOptions options);

    /**
     * The fair lock called {@code name}: granted in the order acquisitions reached the store, across
     * every client and thread, with the client's default lease. An acquisition joins the store's
     * queue when it is called (its order is the server's clock, never a client's); a release hands
     * the lock to the head of the queue, and nobody else may take it meanwhile. A waiter that is
     * gone (crashed, paused, cut off) is skipped after a claim window of the server's clock.
     *
     * <p>{@link DistributedLock#tryLock()} and {@link DistributedLock#tryAcquire()} succeed only when
     * nobody is queued: unlike {@code new ReentrantLock(true).tryLock()}, they never barge.
     *
     * <p>The fair lock is the same lock as {@link #lock(String)} of the same name (they exclude each
     * other), but its order holds among fair acquisitions only: a plain acquisition may overtake the queue.
     *
     * @throws UnsupportedOperationException on a store without one arrival order (Redlock)
     */
    DistributedLock fairLock(String name);

    /** The fair lock called {@code name}, with {@code options} as {@link #lock(String, LeaseOptions)} uses them. */
    DistributedLock fairLock(String name, LeaseOptions options);

    /**
     * The read-write lock called {@code name}, with the client's default lease: many readers or one
     * writer, writers preferred (see {@link DistributedReadWriteLock}).
     */
    DistributedReadWriteLock readWriteLock(String name);

    /** The read-write lock called {@code name}, both sides with {@code options} as {@link #lock(String, LeaseOptions)} uses them. */
    DistributedReadWriteLock readWriteLock(String name, LeaseOptions options);

    /**
     * The semaphore called {@code name}, of {@code permits} permits, with the client's default lease:
     * at most {@code permits} leases of it are held at once across all processes, each renewed,
     * lost-signalled and fenced like a lock's, and waiters are served in order of arrival (see
     * {@link DistributedSemaphore}). Cheap: the store is not contacted until a permit is acquired.
     * The count is recorded in the store by the first acquisition; a client that names another count
     * for the same name is refused with {@link IllegalArgumentException} when it acquires.
     *
     * @param name 1 to {@value #MAX_NAME_LENGTH} characters
     * @param permits 1 to {@value DistributedSemaphore#MAX_PERMITS}
     * @throws IllegalArgumentException if the name or the count is out of range
     * @throws UnsupportedOperationException on a store without one arrival order (Redlock)
     */
    DistributedSemaphore semaphore(String name, int permits);

    /**
     * A multi-lock: the locks called {@code names}, taken together, all or none, with the client's
     * default lease. The names are the same locks that {@link #lock(String)} returns: a multi-lock
     * excludes, and is excluded by, every holder of any of its names (plain, fair, readers). Its
     * lease holds every name, or its acquisition holds none of them: it never keeps a subset while
     * it waits, so multi-locks over overlapping names cannot deadlock, whatever the order of names.
     * The lease's one {@linkplain Lease#fencingToken() fencing token} is valid for every name: greater
     * than every earlier token of each, and smaller than every later one. Losing any name loses the
     * lease. {@link DistributedLock#name()} is the names joined by {@code ", "} in square brackets,
     * for messages only; {@link DistributedLock#isLocked()} says whether any of the names is held.
     *
     * @param names 1 to {@value #MAX_MULTI_LOCK_NAMES} distinct names, each as {@link #lock(String)} takes it
     * @throws IllegalArgumentException if there are none, too many, duplicates, or a name is not allowed
     * @throws NullPointerException if {@code names} or one of them is null
     * @throws UnsupportedOperationException on a store without multi-locks (Redlock)
     */
    DistributedLock multiLock(String... names);

    /** The multi-lock over {@code names}, with {@code options} as {@link #lock(String, LeaseOptions)} uses them. */
    DistributedLock multiLock(LeaseOptions options, String... names);

    /** The operator's view of this client's namespace: inspection, listing, break-glass release. */
    LockAdmin admin();

    /**
     * Starts telling {@code listener} what this client does (see {@link LockEvents}), from the next
     * event on. A listener added twice hears each event twice.
     *
     * @throws NullPointerException if {@code listener} is null
     */
    void addListener(LockEvents listener);

    /** Stops telling {@code listener}; does nothing if it was not added. */
    void removeListener(LockEvents listener);

    /**
     * Takes every lease still held through this client away from its holder, signalled as a loss
     * ({@link LockLostException.Reason#CLIENT_CLOSED}) exactly once, deletes their keys, stops
     * renewing, fails acquisitions in progress with {@link IllegalStateException}, and closes the
     * connections. Waits at most the command timeout (plus a second) for the deletes; a key not
     * deleted by then expires with its lease. Further calls do nothing.
     */
    @Override
    void close();

    /** The longest lock name, in characters. */
    int MAX_NAME_LENGTH = 1024;

    /**
     * The most names of one {@linkplain #multiLock multi-lock}: each costs a few keys in one script
     * (on a Cluster, a script per hash slot), and every renewal and release touches them all.
     */
    int MAX_MULTI_LOCK_NAMES = 64;
}
