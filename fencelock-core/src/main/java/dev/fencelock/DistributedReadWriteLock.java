package dev.fencelock;

import java.util.concurrent.locks.ReadWriteLock;

/**
 * A named lock with a shared side and an exclusive side: many readers at once, or one writer. Both
 * sides are {@link DistributedLock}s with the whole lease API: each reader's lease is renewed by
 * the watchdog, signalled when lost and expires on its own, so a crashed reader frees its share
 * within its lease. Every read and write acquisition gets a fencing token from the name's one
 * sequence, so a writer's token is greater than that of every reader granted before it.
 *
 * <p><b>Writer preference:</b> once a writer waits, new readers wait behind it, so a stream of
 * readers cannot starve writers; the writer is granted when the readers already in have let go
 * (or their leases ran out).
 *
 * <p>The write side is the same lock as {@link LockClient#lock(String)} of the same name: plain
 * holders and writers exclude each other, and readers exclude both.
 *
 * <p>The {@code Lock} views are reentrant per thread, each side on its own. A thread that holds the
 * write lock may take the read lock too, and keep it after unlocking the write lock (a downgrade).
 * A thread that holds only the read lock is refused the write lock at once with
 * {@link IllegalMonitorStateException}: the writer would wait for every reader, its own thread's
 * included, forever.
 *
 * <p>Thread-safe.
 */
public interface DistributedReadWriteLock extends ReadWriteLock {

    /** The lock's name, as given to {@link LockClient#readWriteLock(String)}. */
    String name();

    /** The shared side: held by any number of readers at once, by none while a writer holds, and by no new reader while a writer waits. */
    @Override
    DistributedLock readLock();

    /** The exclusive side: held by one writer while no reader holds. */
    @Override
    DistributedLock writeLock();
}
