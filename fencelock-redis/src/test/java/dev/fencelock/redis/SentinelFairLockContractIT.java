package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;

/** The lock contract on the fair lock, on the topology of {@link SentinelContractIT}. */
class SentinelFairLockContractIT extends SentinelContractIT {

    @Override
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.fairLock(name);
    }
}
