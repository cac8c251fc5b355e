package dev.fencelock.redis;

import dev.fencelock.testkit.FairLockContract;
import dev.fencelock.testkit.LockContract;
import dev.fencelock.testkit.MultiLockContract;
import dev.fencelock.testkit.ReadWriteLockContract;
import dev.fencelock.testkit.SemaphoreContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contracts on a master and a replica watched by three sentinels, started once for them all. */
class SentinelContractsIT {
    @RegisterExtension
    static final SentinelTopology sentinel = new SentinelTopology();

    @Nested
    class Lock extends LockContract {
        Lock() {
            super(sentinel);
        }
    }

    @Nested
    class FairLock extends FairLockContract {
        FairLock() {
            super(sentinel);
        }
    }

    @Nested
    class MultiLock extends MultiLockContract {
        MultiLock() {
            super(sentinel);
        }
    }

    @Nested
    class Semaphore extends SemaphoreContract {
        Semaphore() {
            super(sentinel);
        }
    }

    @Nested
    class ReadWriteLock extends ReadWriteLockContract {
        ReadWriteLock() {
            super(sentinel);
        }
    }
}
