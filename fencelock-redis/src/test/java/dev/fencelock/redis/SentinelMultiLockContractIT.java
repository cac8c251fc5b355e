package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;

/**
 * The lock contract on a multi-lock over the suite's name and a second name, on the topology of
 * {@link SentinelContractIT}.
 */
class SentinelMultiLockContractIT extends SentinelContractIT {

    @Override
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.multiLock(name, name + ":second");
    }
}
