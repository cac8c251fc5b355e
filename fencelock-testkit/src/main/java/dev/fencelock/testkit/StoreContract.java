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
     * one of its acquisitions waits (see {@link #awaitWaiting}), zero when settled.
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
     * Waits until {@code waitersClient}, which holds nothing, watches for a release (its store holds
     * a watch for the waiter), then checks for a while that {@code waiting} keeps waiting. Where a
     * store watches only after a refusal (a Redis lock's waiter), this proves the waiter was refused
     * and waits, so that a test of a waiter woken by a release cannot pass on the waiter's first try;
     * where it watches before its first try (ZooKeeper, a Redis semaphore's waiter), the check for a
     * while is what remains.
     */
    protected final void awaitWaiting(LockEngine waitersClient, CompletableFuture<?> waiting) throws InterruptedException {
        Poll.until("the waiter watches for a release", Duration.ofSeconds(10), () -> watchesLeft(waitersClient) > 0);
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
