package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockKind;

/**
 * What a waiting node of this client belongs to: for readers, the name (the engine lets one reader
 * per name talk to the store at a time, and its owner token changes with each attempt); for the
 * plain and the fair lock, the acquisition itself, by its owner token (each queues on its own:
 * {@link ZooKeeperStore#queuesEachPlainAcquisition}).
 */
record QueueKey(LockKind kind, String name, String owner) {

    static QueueKey of(LockKind kind, String name, String owner) {
        return new QueueKey(kind, name, kind == LockKind.READ ? null : owner);
    }
}
