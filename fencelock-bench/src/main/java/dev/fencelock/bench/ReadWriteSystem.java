package dev.fencelock.bench;

import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Function;

/**
 * A read-write lock system under measurement (scenarios 8 and 9): its locks by name, as the JDK's
 * {@link ReadWriteLock}, which both Fencelock's and Redisson's implement.
 *
 * @param name as in the results: fencelock, redisson
 * @param locks the read-write lock of a name
 * @param closer releases the system's clients
 */
record ReadWriteSystem(String name, Function<String, ReadWriteLock> locks, AutoCloseable closer) implements AutoCloseable {

    /** The read sides only, for a loop of scenarios 1–4's kind. */
    BenchSystem readLocks() {
        return new BenchSystem(name, lockName -> Systems.adapt(locks.apply(lockName).readLock()), closer);
    }

    /** Closes the clients, as {@link BenchSystem#close()} does: a failure names the system. */
    @Override
    public void close() {
        readLocks().close();
    }
}
