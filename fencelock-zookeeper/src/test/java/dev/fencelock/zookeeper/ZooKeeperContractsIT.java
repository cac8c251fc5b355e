package dev.fencelock.zookeeper;

import dev.fencelock.testkit.FairLockContract;
import dev.fencelock.testkit.LockContract;
import dev.fencelock.testkit.ReadWriteLockContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contracts on one ZooKeeper server, started once for them all; each test under a root path of its own. */
class ZooKeeperContractsIT {
    @RegisterExtension
    static final ZooKeeperUnderTest zooKeeper = new ZooKeeperUnderTest();

    @Nested
    class Lock extends LockContract {
        Lock() {
            super(zooKeeper);
        }
    }

    @Nested
    class FairLock extends FairLockContract {
        FairLock() {
            super(zooKeeper);
        }
    }

    @Nested
    class ReadWriteLock extends ReadWriteLockContract {
        ReadWriteLock() {
            super(zooKeeper);
        }
    }
}
