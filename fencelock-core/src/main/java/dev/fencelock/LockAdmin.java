package dev.fencelock;

import java.util.List;
import java.util.Optional;

/**
 * The operator's view of the locks under a client's namespace: who holds what, and a break-glass
 * release. Obtained with {@link LockClient#admin()}. Thread-safe.
 */
public interface LockAdmin {

    /**
     * The state of the lock called {@code name}.
     *
     * @throws LockUnavailableException if the store did not answer within the command timeout
     */
    LockInfo inspect(String name);

    /**
     * The locks currently held whose names match {@code pattern}, a glob ({@code *} for
     * all; on Redis found with SCAN, never KEYS), at most {@code limit} of them, in no particular order.
     *
     * @throws IllegalArgumentException if {@code limit} is not between 1 and 100,000
     * @throws LockUnavailableException if the store did not answer within the command timeout
     */
    List<LockInfo> list(String pattern, int limit);

    /**
     * Deletes the lock called {@code name} whoever holds it, and wakes its waiters. Its holder
     * learns of it at its next renewal, as a lost lease. For operators cleaning up after an
     * incident; never part of normal operation.
     *
     * @return what was removed, or empty when the lock was free
     * @throws LockUnavailableException if the store did not answer within the command timeout
     */
    Optional<LockInfo> forceRelease(String name);

    /**
     * Deletes the lock called {@code name} only while its exclusive holder is the one named
     * {@code holder}: the break-glass release of the holder an operator saw, not of one that took the
     * lock since. A Fencelock holder is named as {@link #inspect} shows it ({@link LockInfo#holder},
     * 8 characters), or by more of its owner token, with or without its {@code fl-} prefix; a foreign
     * holder (redis-py, redsync, ShedLock) by its whole value, which may begin alike for all its
     * holders. Under Redlock the holder is the one a majority of the servers holds. Readers and
     * semaphore permits have no such holder and are left alone. As with {@link #forceRelease(String)},
     * the holder learns that it lost the lease.
     *
     * @return what was removed, or empty when the lock was free or held by another
     * @throws NullPointerException if {@code name} or {@code holder} is null
     * @throws IllegalArgumentException if {@code holder} is empty or longer than 1024 characters; on
     *     ZooKeeper, if a client other than Fencelock holds the lock (Curator's nodes do not tell its
     *     holders apart)
     * @throws LockUnavailableException if the store did not answer within the command timeout
     */
    Optional<LockInfo> forceRelease(String name, String holder);
}
