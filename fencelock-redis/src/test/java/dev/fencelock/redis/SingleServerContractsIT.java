package dev.fencelock.redis;

import dev.fencelock.testkit.FairLockContract;
import dev.fencelock.testkit.LockContract;
import dev.fencelock.testkit.MultiLockContract;
import dev.fencelock.testkit.ReadWriteLockContract;
import dev.fencelock.testkit.SemaphoreContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contracts on one redis-server, started afresh for each test. */
class SingleServerContractsIT {
    @RegisterExtension
    static final SingleServerTopology redis = new SingleServerTopology();

    @Nested
    class Lock extends LockContract {
        Lock() {
            super(redis);
        }
    }

    @Nested
    class FairLock extends FairLockContract {
        FairLock() {
            super(redis);
        }
    }

    @Nested
    class MultiLock extends MultiLockContract {
        MultiLock() {
            super(redis);
        }
    }

    @Nested
    class Semaphore extends SemaphoreContract {
        Semaphore() {
            super(redis);
        }
    }

    @Nested
    class ReadWriteLock extends ReadWriteLockContract {
        ReadWriteLock() {
            super(redis);
        }
    }
}
