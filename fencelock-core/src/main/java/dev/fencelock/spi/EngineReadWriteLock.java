package dev.fencelock.spi;

import dev.fencelock.DistributedLock;
import dev.fencelock.DistributedReadWriteLock;

/** A {@link DistributedReadWriteLock} of the engine: its two sides, which share a name. */
record EngineReadWriteLock(DistributedLock readLock, DistributedLock writeLock) implements DistributedReadWriteLock {

    @Override
    public String name() {
        return writeLock.name();
    }

    @Override
    public String toString() {
        return "DistributedReadWriteLock{" + name() + "}";
    }
}
