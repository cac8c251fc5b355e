package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockKind;

/**
 * What a waiting node of this client belongs to: for the plain lock and for readers, the name (the
 * engine lets one acquisition per name and kind talk to the store at a time, and its owner token
 * changes with each attempt); for the fair lock, the acquisition itself, by its owner token.
 */
record QueueKey(LockKind kind, String name, String owner) {

    static QueueKey of(LockKind kind, String name, String owner) {
        return new QueueKey(kind, name, kind == LockKind.FAIR ? owner : null);
    }
}
