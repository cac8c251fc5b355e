package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.spi.LockEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;

/**
 * What the contract suites ({@link LockContract}, {@link SemaphoreContract},
 * {@link ReadWriteLockContract}) share: the clients a test opens on the {@linkplain StoreUnderTest
 * store under test}, and the check after every test that nothing was left behind: no lease still
 * renewed, no name still in use, nothing the store holds for waiters, nothing in the store.
 */
public abstract class StoreContract {
    private final StoreUnderTest store;
    private final List<LockEngine> clients = new ArrayList<>();

    protected StoreContract(StoreUnderTest store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    protected final StoreUnderTest store() {
        return store;
    }

    protected final LockEngine connect() {
        return closedAfterTheTest(store.newClient());
    }

    /** A client whose waiters only a release wakes within a test's wait: see {@link StoreUnderTest#newPatientClient}. */
    protected final LockEngine connectPatient() {
        return closedAfterTheTest(store.newPatientClient());
    }

    private LockEngine closedAfterTheTest(LockEngine client) {
        clients.add(client);
        return client;
    }

    /**
     * Waits until {@code waitersClient} {@linkplain StoreUnderTest#isWaiting waits}, then checks for
     * a while that {@code waiting} keeps waiting: a test of a waiter woken by a release must not
     * pass on the waiter's first try.
     */
    protected final void awaitWaiting(LockEngine waitersClient, CompletableFuture<?> waiting) throws InterruptedException {
        Poll.until("the waiter refused and waiting", Duration.ofSeconds(10), () -> store.isWaiting(waitersClient));
        Poll.throughout(Duration.ofMillis(300),
                () -> assertThat(waiting).as("the waiter must wait while the lock is held").isNotDone());
    }

    @AfterEach
    public void nothingLeaked() {
        try {
            for (LockEngine client : clients) {
                LeakCheck.assertSettled(client, store::watchesLeft);
            }
            assertThat(store.locksLeft()).as("locks, permits and queues left").isEmpty();
        } finally {
            clients.forEach(LockEngine::close);
        }
    }
}
