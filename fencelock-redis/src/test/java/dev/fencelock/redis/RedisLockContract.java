package dev.fencelock.redis;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.LockContract;

/** The lock contract on a Redis topology: each topology says only how to reach its servers. */
abstract class RedisLockContract extends LockContract {

    /** The options of a new client on the topology under test. */
    abstract RedisLockOptions.Builder options();

    @Override
    protected LockEngine newClient() {
        return (LockEngine) RedisLocks.connect(options().build());
    }

    @Override
    protected int watchesLeft(LockEngine client) {
        return TestClients.channels(client);
    }
}
