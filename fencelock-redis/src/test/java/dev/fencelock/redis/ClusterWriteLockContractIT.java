package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;

/** The lock contract on the write side of a read-write lock, on the topology of {@link ClusterContractIT}. */
class ClusterWriteLockContractIT extends ClusterContractIT {

    @Override
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.readWriteLock(name).writeLock();
    }
}
