package dev.fencelock.testkit;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;

/**
 * The {@link LockContract} on a multi-lock over the suite's name and a second one: held all or
 * none, it promises what one lock does. On a Redis Cluster the two names hash to different slots,
 * so the acquisition slot by slot, its rollback and the fence raise are what is tested there.
 */
public abstract class MultiLockContract extends LockContract {
    protected MultiLockContract(StoreUnderTest store) {
        super(store);
    }

    @Override
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.multiLock(name, name + ":second");
    }
}
