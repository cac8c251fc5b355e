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
}
