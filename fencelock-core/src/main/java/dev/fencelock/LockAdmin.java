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
     * Deletes the lock called {@code name} only while its exclusive holder is the one shown as
     * {@code holder} by {@link #inspect} ({@link LockInfo#holder}; a longer start of the holder's
     * token matches too): the break-glass release of the holder an operator saw, never of one that
     * took the lock since. Readers and semaphore permits have no such holder and are left alone. As
     * with {@link #forceRelease(String)}, the holder learns of it at its next renewal.
     *
     * @return what was removed, or empty when the lock was free or held by another
     * @throws IllegalArgumentException if {@code holder} is empty or longer than 1024 characters
     * @throws LockUnavailableException if the store did not answer within the command timeout
     */
    Optional<LockInfo> forceRelease(String name, String holder);
}
