package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.spi.LockEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    /** What the store of {@code client} still holds for waiters (subscriptions, watches): zero when settled. */
    protected abstract int watchesLeft(LockEngine client);

    /** Stops servers started for one test, after the leak check; nothing for servers shared by a class. */
    protected void stopServers() {}

    protected final LockEngine connect() {
        LockEngine client = newClient();
        clients.add(client);
        return client;
    }

    @AfterEach
    public void nothingLeaked() throws InterruptedException {
        try {
            for (LockEngine client : clients) {
                awaitQuiet(client);
                assertThat(client.leasesWatched()).as("leases still renewed by %s", client).isZero();
                assertThat(client.namesInUse()).as("names still in use in %s", client).isZero();
                assertThat(watchesLeft(client)).as("watches still open in %s", client).isZero();
            }
            assertThat(locksLeft()).as("locks, permits and queues left").isEmpty();
        } finally {
            clients.forEach(LockEngine::close);
            stopServers();
        }
    }

    /** An abandoned acquisition may still have one attempt in flight: gives it time to settle. */
    private void awaitQuiet(LockEngine client) throws InterruptedException {
        try {
            Poll.until("settling of " + client, Duration.ofSeconds(5),
                    () -> client.leasesWatched() == 0 && client.namesInUse() == 0 && watchesLeft(client) == 0);
        } catch (AssertionError unsettled) {
            // The assertions that follow say what is left.
        }
    }
}
