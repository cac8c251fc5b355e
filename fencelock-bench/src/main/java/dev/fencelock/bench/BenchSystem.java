package dev.fencelock.bench;

import java.util.function.Function;

/**
 * A lock system under measurement: how it names its locks, and how it is shut down.
 *
 * @param name as in the results: fencelock, redisson, redisson-redlock, curator, ping, lettuce-setnx, and in
 *     scenario 3 also fencelock fair lock
 * @param locks the lock of a name
 * @param closer releases the system's clients
 */
record BenchSystem(String name, Function<String, BenchLock> locks, AutoCloseable closer) implements AutoCloseable {

    BenchLock lock(String lockName) {
        return locks.apply(lockName);
    }

    /** The same system under another name, for a scenario that measures two kinds of one system's lock side by side. */
    BenchSystem named(String newName) {
        return new BenchSystem(newName, locks, closer);
    }

    @Override
    public void close() {
        try {
            closer.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close " + name, e);
        }
    }
}
