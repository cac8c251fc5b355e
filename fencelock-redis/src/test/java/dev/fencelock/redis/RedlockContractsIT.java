package dev.fencelock.redis;

import dev.fencelock.testkit.LockContract;
import dev.fencelock.testkit.ReadWriteLockContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contracts on Redlock over five independent redis-servers, started afresh for each test. */
class RedlockContractsIT {
    @RegisterExtension
    static final RedlockTopology redlock = new RedlockTopology();

    @Nested
    class Lock extends LockContract {
        Lock() {
            super(redlock);
        }
    }

    @Nested
    class ReadWriteLock extends ReadWriteLockContract {
        ReadWriteLock() {
            super(redlock);
        }
    }
}
