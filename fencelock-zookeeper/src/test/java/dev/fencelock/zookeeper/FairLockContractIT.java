package dev.fencelock.zookeeper;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;

/** The lock contract on the fair lock, on the server of {@link ZooKeeperContractIT}. */
class FairLockContractIT extends ZooKeeperContractIT {

    @Override
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.fairLock(name);
    }
}
