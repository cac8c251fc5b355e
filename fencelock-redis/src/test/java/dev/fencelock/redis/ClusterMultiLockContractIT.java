package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;

/**
 * The lock contract on a multi-lock over the suite's name and a second name, on the topology of
 * {@link ClusterContractIT}: the two names hash to different slots, so the sequential
 * acquisition by slot, its rollback and the fence raise are what is tested.
 */
class ClusterMultiLockContractIT extends ClusterContractIT {

    @Override
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.multiLock(name, name + ":second");
    }
}
