package dev.fencelock.testkit;

import dev.fencelock.spi.LockEngine;
import java.util.List;

/**
 * The store and topology that a contract suite ({@link LockContract}, {@link SemaphoreContract},
 * {@link ReadWriteLockContract}) runs on: how a client reaches it, what it still holds, and how an
 * operator (or a data loss) deletes a name's state. One implementation per topology serves every
 * suite run there, each suite a {@code @Nested} class of one test class. One that starts servers
 * is also a JUnit extension, registered as a static field with {@code @RegisterExtension}: for the
 * class ({@link ServersPerClass}) or for each test ({@code BeforeEachCallback} and
 * {@code AfterEachCallback}: the suite's leak check runs in {@code @AfterEach}, before every
 * extension's {@code afterEach}).
 */
public interface StoreUnderTest {
    /** A new client on the store; the suite closes it. */
    LockEngine newClient();

    /**
     * A new client whose waiters, once refused, try again on their own no sooner than half a minute
     * (on Redis a long command timeout, on ZooKeeper a long session): the waiter of a test that
     * claims a release woke it, which a waiter's own retry would otherwise pass as well. The suite
     * closes it.
     */
    LockEngine newPatientClient();

    /** The locks, permits and waiter queues left in the store, for the leak check. */
    List<String> locksLeft();

    /**
     * What the store of {@code client} holds for waiters (subscriptions, watches): above zero while
     * one of its acquisitions waits (see {@link #isWaiting}), zero when settled.
     */
    int watchesLeft(LockEngine client);

    /**
     * Whether an acquisition of {@code client}, which holds nothing, has been refused and waits for
     * a release. By default: its store holds a watch ({@link #watchesLeft}), which is exact only
     * where the store watches after a refusal. A store that may watch before its first try
     * overrides it with what a refusal leaves (ZooKeeper: the refused node; Redis: the queue entry).
     */
    default boolean isWaiting(LockEngine client) {
        return watchesLeft(client) > 0;
    }

    /** Deletes the lock {@code name} wherever it lives. */
    void deleteLock(String name);

    /** Deletes every permit of the semaphore {@code name} wherever they live; a store without semaphores refuses. */
    default void deletePermits(String name) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no semaphores");
    }
}
