package dev.fencelock.testkit;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;

/** The {@link LockContract} on the fair lock: whatever a lock promises, a fair lock promises too. */
public abstract class FairLockContract extends LockContract {
    protected FairLockContract(StoreUnderTest store) {
        super(store);
    }

    @Override
    protected DistributedLock lockOf(LockClient client, String name) {
        return client.fairLock(name);
    }
}
