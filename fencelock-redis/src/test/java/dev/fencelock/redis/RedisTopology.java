package dev.fencelock.redis;

import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.StoreUnderTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis topology that the contract suites run on: each says how its servers start and stop, how a
 * client reaches them and which masters hold the keys; the rest is the same for all.
 */
abstract class RedisTopology implements StoreUnderTest, AfterEachCallback {

    /** The options of a new client of the topology. */
    abstract RedisLockOptions.Builder options();

    /** The servers that hold the keys, for the leak check and the deletes. */
    abstract List<RedisServer> masters();

    @Override
    public LockEngine newClient() {
        return (LockEngine) RedisLocks.connect(options().build());
    }

    /** Waiters try again on their own at the command timeout (10 times it for fair locks and permits). */
    @Override
    public LockEngine newPatientClient() {
        return (LockEngine) RedisLocks.connect(options().commandTimeout(Duration.ofSeconds(30))
                .defaultLease(Duration.ofMinutes(2)).build());
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
     * Watching and queued on a master: a semaphore's waiter subscribes before its first try, the
     * other kinds' after it, and each kind that waits queues when refused (a reader refused by a
     * writer does not queue, and no contract waits for one).
     */
    @Override
    public boolean isWaiting(LockEngine client) {
        return watchesLeft(client) > 0 && masters().stream().anyMatch(master -> TestClients.isQueued(client, master));
    }

    /**
     * Flushes the masters after each test and its leak check, so that what a failed test left
     * behind (a lock held for a minute) does not fail the next tests too; a topology started for
     * each test closes its servers instead.
     */
    @Override
    public void afterEach(ExtensionContext context) {
        masters().forEach(master -> master.call("FLUSHALL"));
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
