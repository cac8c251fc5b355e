package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;

/** The lock contract on the fair lock, on the topology of {@link SingleServerContractIT}. */
class SingleServerFairLockContractIT extends SingleServerContractIT {

    @Override
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.fairLock(name);
    }
}
