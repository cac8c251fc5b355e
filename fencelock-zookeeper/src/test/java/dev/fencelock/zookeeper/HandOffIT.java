package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A hand-off between two threads of one client costs what one between two clients does, because
 * every waiting thread has a node of its own in the queue before the lock is released, as with
 * Curator's mutex; and a waiter right behind the holder takes the lock at the holder's delete alone.
 * Its clients' sessions last two minutes, so that no session probe comes between the requests the
 * tests read.
 */
@SessionsUpTo(seconds = 180)
class HandOffIT extends ZooKeeperIT {
    private static final int WAITERS = 3;

    @Override
    LockEngine connect() {
        // Probes a third of two thirds of the session apart: 27 s.
        return connect(options -> options.sessionTimeout(Duration.ofMinutes(2)));
    }

    @Test
    void everyWaitingThreadOfAClientQueuesItsOwnNodeAndIsGrantedInNodeOrder() throws Exception {
        Lease holder = connect().lock("queue").acquire(Duration.ZERO);
        DistributedLock lock = connect().lock("queue");
        List<Integer> granted = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(WAITERS);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int i = 0; i < WAITERS; i++) {
                int waiter = i;
                done.add(threads.submit(() -> {
                    try (Lease lease = lock.acquire(Duration.ofSeconds(60))) {
                        granted.add(waiter);
                    }
                    return null;
                }));
                // The next thread starts once this one's node is queued: node order is thread order.
                Poll.until("the node of waiter " + waiter, Duration.ofSeconds(30), () -> zooKeeper.nodes(root, "queue") == waiter + 2);
            }

            holder.close();

            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(granted).as("the waiters of one client, granted in the order their nodes queued")
                .containsExactly(0, 1, 2);
    }

    /**
     * Each waiter here takes the lock at the delete of the node before it: the first because that
     * node was the first of the queue when it looked, the second because its own client was granted
     * the node before it. The server's bean of the waiters' connection names the last request it
     * answered there: a read of the children (GETC) would mean a waiter looked at the queue again.
     */
    @Test
    void aWaiterWhoseBlockerWasFirstTakesTheLockAtItsDeleteWithoutReadingTheQueueAgain() throws Exception {
        Lease holder = connect().lock("next").acquire(Duration.ZERO);
        LockEngine waiters = connect();
        CompletableFuture<Lease> first = queue(waiters, "next", 2);
        CompletableFuture<Lease> second = queue(waiters, "next", 3);
        awaitWatch(waiters);

        holder.close();
        Lease firstLease = first.get(60, TimeUnit.SECONDS);
        assertThat(zooKeeper.lastOperation(waiters)).as("the waiters' last request once the first is granted").isEqualTo("GETD");
        firstLease.close();

        try (Lease secondLease = second.get(60, TimeUnit.SECONDS)) {
            assertThat(secondLease.fencingToken()).isGreaterThan(firstLease.fencingToken());
            assertThat(firstLease.fencingToken()).isGreaterThan(holder.fencingToken());
            assertThat(zooKeeper.lastOperation(waiters)).as("the waiters' last request once the second is granted: the first's delete")
                    .isEqualTo("DELE");
        }
    }

    @Test
    void aWaiterWhoseNodeWasDeletedQueuesAgainAtTheHoldersDeleteRatherThanHoldTheLockWithoutANode() throws Exception {
        Lease holder = connect().lock("deleted-waiter").acquire(Duration.ZERO);
        LockEngine waiter = connect();
        CompletableFuture<Lease> waiting = queue(waiter, "deleted-waiter", 2);
        awaitWatch(waiter);
        // An operator deletes the waiting node, behind the holder's, and leaves the holder's alone.
        zooKeeper.deleteNode(root, "deleted-waiter", 1);

        holder.close();

        try (Lease lease = waiting.get(60, TimeUnit.SECONDS)) {
            assertNoRival("deleted-waiter");
        }
    }

    /**
     * The second waiter learns that its blocker is first from its own client's grant, not from a
     * read: the store then watches the second waiter's node too, so that an operator's delete of it
     * is seen before the first's release (or its watch finds the node gone), and the second queues
     * again rather than hold the lock without a node.
     */
    @Test
    void aWaiterBehindItsClientsGrantWhoseNodeWasDeletedQueuesAgainAtThatRelease() throws Exception {
        Lease holder = connect().lock("marked").acquire(Duration.ZERO);
        LockEngine waiters = connect();
        CompletableFuture<Lease> first = queue(waiters, "marked", 2);
        CompletableFuture<Lease> second = queue(waiters, "marked", 3);
        awaitWatch(waiters);
        holder.close();
        Lease firstLease = first.get(60, TimeUnit.SECONDS);
        zooKeeper.deleteNode(root, "marked", 1);

        firstLease.close();

        try (Lease lease = second.get(60, TimeUnit.SECONDS)) {
            assertNoRival("marked");
        }
    }

    /**
     * After a reconnect the server notifies the deletions it missed in no particular order, so a
     * waiter whose connection dropped reads the queue at its blocker's delete rather than trust the
     * order of its watches.
     */
    @Test
    void aWaiterWhoseConnectionDroppedReadsTheQueueAtTheHoldersDelete() throws Exception {
        Lease holder = connect().lock("reconnected").acquire(Duration.ZERO);
        LockEngine waiter = connect();
        CompletableFuture<Lease> waiting = queue(waiter, "reconnected", 2);
        awaitWatch(waiter);

        // Every connection drops and comes back, in the same sessions (the server keeps them).
        zooKeeper.restart();
        // The restarted server has a bean for the waiter's connection once it is back.
        Poll.until("the waiter connected again", Duration.ofSeconds(30), () -> {
            try {
                zooKeeper.lastOperation(waiter);
                return true;
            } catch (NoSuchElementException notYet) {
                return false;
            }
        });
        // A call of the waiter's client answered since: the session is confirmed, only the order of
        // the deletions is in doubt.
        waiter.lock("reconnected-other").acquire(Duration.ofSeconds(30)).close();
        holder.close();

        try (Lease lease = waiting.get(60, TimeUnit.SECONDS)) {
            assertThat(lease.fencingToken()).isGreaterThan(holder.fencingToken());
            assertThat(zooKeeper.lastOperation(waiter)).as("the waiter's last request once granted: a read of the queue")
                    .isEqualTo("GETC");
        }
    }

    /** Starts an acquisition of {@code name} on {@code client}, and waits until the lock has {@code nodes} nodes. */
    private CompletableFuture<Lease> queue(LockEngine client, String name, int nodes) throws InterruptedException {
        CompletableFuture<Lease> waiting = client.lock(name).acquireAsync(Duration.ofSeconds(60));
        Poll.until(nodes + " nodes of " + name, Duration.ofSeconds(30), () -> zooKeeper.nodes(root, name) == nodes);
        return waiting;
    }

    /** Waits until the last request of {@code client} read the node before its waiter's and watched it (getData). */
    private void awaitWatch(LockEngine client) throws InterruptedException {
        Poll.until("the waiter's watch", Duration.ofSeconds(30), () -> zooKeeper.lastOperation(client).equals("GETD"));
    }

    /** Checks that a client of its own cannot take {@code name}: the lease held there has a node. */
    private void assertNoRival(String name) {
        Optional<Lease> rival = connect().lock(name).tryAcquire();
        rival.ifPresent(Lease::close);
        assertThat(rival).as("a rival while a waiter holds the lease: that lease must have a node").isEmpty();
    }
}
