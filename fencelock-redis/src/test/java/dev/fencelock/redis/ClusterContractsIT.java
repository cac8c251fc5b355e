package dev.fencelock.redis;

import dev.fencelock.testkit.FairLockContract;
import dev.fencelock.testkit.LockContract;
import dev.fencelock.testkit.MultiLockContract;
import dev.fencelock.testkit.ReadWriteLockContract;
import dev.fencelock.testkit.SemaphoreContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contracts on a three-master Redis Cluster, started once for them all. */
class ClusterContractsIT {
    @RegisterExtension
    static final ClusterTopology cluster = new ClusterTopology();

    @Nested
    class Lock extends LockContract {
        Lock() {
            super(cluster);
        }
    }

    @Nested
    class FairLock extends FairLockContract {
        FairLock() {
            super(cluster);
        }
    }

    @Nested
    class MultiLock extends MultiLockContract {
        MultiLock() {
            super(cluster);
        }
    }

    @Nested
    class Semaphore extends SemaphoreContract {
        Semaphore() {
            super(cluster);
        }
    }

    @Nested
    class ReadWriteLock extends ReadWriteLockContract {
        ReadWriteLock() {
            super(cluster);
        }
    }
}
