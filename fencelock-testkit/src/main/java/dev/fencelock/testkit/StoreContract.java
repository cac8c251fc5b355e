package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.spi.LockEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;

/**
 * What the contract suites ({@link LockContract}, {@link SemaphoreContract},
 * {@link ReadWriteLockContract}) share: the clients a test opens on the store under test, and the
 * check after every test that nothing was left behind: no lease still renewed, no name still in
 * use, nothing the store holds for waiters, nothing in the store.
 */
public abstract class StoreContract {
    private final List<LockEngine> clients = new ArrayList<>();

    /** A new client on the store under test; the suite closes it. */
    protected abstract LockEngine newClient();

    /** The locks, permits and waiter queues left in the store, for the leak check. */
    protected abstract List<String> locksLeft();

    /**
     * What the store of {@code client} holds for waiters (subscriptions, watches): above zero while
     * one of its acquisitions waits (see {@link #isWaiting}), zero when settled.
     */
    protected abstract int watchesLeft(LockEngine client);

    /** Stops servers started for one test, after the leak check; nothing for servers shared by a class. */
    protected void stopServers() {}

    protected final LockEngine connect() {
        LockEngine client = newClient();
        clients.add(client);
        return client;
    }

    /**
     * Whether an acquisition of {@code client}, which holds nothing, has been refused and waits for
     * a release. By default: its store holds a watch ({@link #watchesLeft}), which is exact where
     * the store watches only after a refusal (a Redis lock's waiter). A store that watches before
     * its first try overrides it (ZooKeeper: its refused nodes); where a store does not (a Redis
     * semaphore's waiter), only {@link #awaitWaiting}'s check for a while proves the wait.
     */
    protected boolean isWaiting(LockEngine client) {
        return watchesLeft(client) > 0;
    }

    /**
     * Waits until {@code waitersClient} {@linkplain #isWaiting waits}, then checks for a while that
     * {@code waiting} keeps waiting: a test of a waiter woken by a release must not pass on the
     * waiter's first try.
     */
    protected final void awaitWaiting(LockEngine waitersClient, CompletableFuture<?> waiting) throws InterruptedException {
        Poll.until("the waiter refused and waiting", Duration.ofSeconds(10), () -> isWaiting(waitersClient));
        Poll.throughout(Duration.ofMillis(300),
                () -> assertThat(waiting).as("the waiter must wait while the lock is held").isNotDone());
    }

    @AfterEach
    public void nothingLeaked() {
        try {
            for (LockEngine client : clients) {
                LeakCheck.assertSettled(client, this::watchesLeft);
            }
            assertThat(locksLeft()).as("locks, permits and queues left").isEmpty();
        } finally {
            clients.forEach(LockEngine::close);
            stopServers();
        }
    }
}
