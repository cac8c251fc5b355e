package dev.fencelock.redis;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.StoreUnderTest;
import java.util.List;

/**
 * A Redis topology that the contract suites run on: each says how its servers start and stop, how a
 * client reaches them and which masters hold the keys; the rest is the same for all.
 */
abstract class RedisTopology implements StoreUnderTest {

    /** The options of a new client of the topology. */
    abstract RedisLockOptions.Builder options();

    /** The servers that hold the keys, for the leak check and the deletes. */
    abstract List<RedisServer> masters();

    @Override
    public LockEngine newClient() {
        return (LockEngine) RedisLocks.connect(options().build());
    }

    @Override
    public List<String> locksLeft() {
        return masters().stream().flatMap(master -> TestClients.settledLockKeys(master).stream()).toList();
    }

    @Override
    public int watchesLeft(LockEngine client) {
        return TestClients.channels(client);
    }

    /**
     * Queued on a master: exact for every kind, where a watch is not (a semaphore's waiter
     * subscribes before its first try).
     */
    @Override
    public boolean isWaiting(LockEngine client) {
        return masters().stream().anyMatch(master -> TestClients.isQueued(client, master));
    }

    @Override
    public void deleteLock(String name) {
        deleteKey(keysOf(name).lock());
    }

    @Override
    public void deletePermits(String name) {
        deleteKey(keysOf(name).permits());
    }

    /** Deletes {@code key} on every master. */
    void deleteKey(String key) {
        masters().forEach(master -> master.call("DEL", key));
    }

    private static LockKeys keysOf(String name) {
        return LockKeys.of(RedisLockOptions.DEFAULT_NAMESPACE, name);
    }
}
