package dev.fencelock.bench;

import java.util.function.Function;

/**
 * A lock system under measurement: how it names its locks, and how it is shut down.
 *
 * @param name as in the results: fencelock, redisson, redisson-redlock, curator, ping, lettuce-setnx
 * @param locks the lock of a name
 * @param closer releases the system's clients
 */
record BenchSystem(String name, Function<String, BenchLock> locks, AutoCloseable closer) implements AutoCloseable {

    BenchLock lock(String lockName) {
        return locks.apply(lockName);
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
