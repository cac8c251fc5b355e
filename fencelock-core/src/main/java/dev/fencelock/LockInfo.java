package dev.fencelock;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the store says about one lock at one moment, for operators (see {@link LockAdmin}).
 *
 * @param name the lock's name
 * @param holder the first 8 characters of the holder's owner token (of a Fencelock token, the first
 *     8 after its {@linkplain dev.fencelock.spi.OwnerTokens#PREFIX prefix}), or empty when the lock is free
 * @param remaining how long the holder's lease still lasts in the store; empty when the lock is free,
 *     or held by a foreign client without expiry
 * @param lastFencingToken the token of the latest acquisition, if its counter has not expired (on
 *     ZooKeeper: empty, though the lock is held, when the lock changed hands at each of the admin's looks)
 * @param readers how many readers of a {@link DistributedReadWriteLock} hold the lock (their leases
 *     run); 0 for the other kinds
 * @param permits how many permits of the {@link DistributedSemaphore} of the name are held (their
 *     leases run); a semaphore shares the name's token sequence, not its lock
 */
public record LockInfo(String name, Optional<String> holder, Optional<Duration> remaining, OptionalLong lastFencingToken,
        int readers, int permits) {

    /** A lock's view without a semaphore of its name: no permits held. */
    public LockInfo(String name, Optional<String> holder, Optional<Duration> remaining, OptionalLong lastFencingToken,
            int readers) {
        this(name, holder, remaining, lastFencingToken, readers, 0);
    }

    /** Whether someone holds the name: an exclusive holder, readers, or permits of its semaphore. */
    public boolean isHeld() {
        return holder.isPresent() || readers > 0 || permits > 0;
    }
}
