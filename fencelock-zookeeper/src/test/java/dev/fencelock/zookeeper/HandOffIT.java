package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 */
class HandOffIT extends ZooKeeperIT {
    private static final int WAITERS = 3;

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
                Poll.until("the node of waiter " + waiter, Duration.ofSeconds(30), () -> nodes("queue") == waiter + 2);
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
     * A session probe of the client (EXIS) may come in between, whenever the client holds a lease.
     */
    @Test
    void aWaiterWhoseBlockerWasFirstTakesTheLockAtItsDeleteWithoutReadingTheQueueAgain() throws Exception {
        Lease holder = connect().lock("next").acquire(Duration.ZERO);
        LockEngine waiters = connect();
        CompletableFuture<Lease> first = waiters.lock("next").acquireAsync(Duration.ofSeconds(60));
        Poll.until("the first waiter's node", Duration.ofSeconds(30), () -> nodes("next") == 2);
        CompletableFuture<Lease> second = waiters.lock("next").acquireAsync(Duration.ofSeconds(60));
        Poll.until("the second waiter's node", Duration.ofSeconds(30), () -> nodes("next") == 3);
        // The waiters' last request read the node before theirs and watched it (getData).
        Poll.until("the second waiter's watch", Duration.ofSeconds(30), () -> lastOperationOf(waiters).equals("GETD"));

        holder.close();
        Lease firstLease = first.get(60, TimeUnit.SECONDS);
        assertThat(lastOperationOf(waiters)).as("the waiters' last request once the first is granted").isIn("GETD", "EXIS");
        firstLease.close();

        try (Lease secondLease = second.get(60, TimeUnit.SECONDS)) {
            assertThat(secondLease.fencingToken()).isGreaterThan(firstLease.fencingToken());
            assertThat(firstLease.fencingToken()).isGreaterThan(holder.fencingToken());
            assertThat(lastOperationOf(waiters)).as("the waiters' last request once the second is granted: the first's delete")
                    .isIn("DELE", "EXIS");
        }
    }

    @Test
    void aWaiterWhoseNodeWasDeletedQueuesAgainAtTheHoldersDeleteRatherThanHoldTheLockWithoutANode() throws Exception {
        Lease holder = connect().lock("deleted-waiter").acquire(Duration.ZERO);
        LockEngine waiter = connect();
        CompletableFuture<Lease> waiting = waiter.lock("deleted-waiter").acquireAsync(Duration.ofSeconds(60));
        Poll.until("the waiter's node", Duration.ofSeconds(30), () -> nodes("deleted-waiter") == 2);
        Poll.until("the waiter's watch", Duration.ofSeconds(30), () -> lastOperationOf(waiter).equals("GETD"));
        // An operator deletes the waiting node, behind the holder's, and leaves the holder's alone.
        String lockPath = LockPaths.lockPath(root, "deleted-waiter");
        String waitingNode = LockNodes.ordered(zooKeeper.curator().getChildren().forPath(lockPath)).get(1);
        zooKeeper.curator().delete().forPath(lockPath + "/" + waitingNode);

        holder.close();

        try (Lease lease = waiting.get(60, TimeUnit.SECONDS)) {
            Optional<Lease> rival = connect().lock("deleted-waiter").tryAcquire();
            rival.ifPresent(Lease::close);
            assertThat(rival).as("a rival while the waiter holds the lease: the waiter's lease must have a node").isEmpty();
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
        CompletableFuture<Lease> first = waiters.lock("marked").acquireAsync(Duration.ofSeconds(60));
        Poll.until("the first waiter's node", Duration.ofSeconds(30), () -> nodes("marked") == 2);
        CompletableFuture<Lease> second = waiters.lock("marked").acquireAsync(Duration.ofSeconds(60));
        Poll.until("the second waiter's node", Duration.ofSeconds(30), () -> nodes("marked") == 3);
        Poll.until("the second waiter's watch", Duration.ofSeconds(30), () -> lastOperationOf(waiters).equals("GETD"));
        holder.close();
        Lease firstLease = first.get(60, TimeUnit.SECONDS);
        String lockPath = LockPaths.lockPath(root, "marked");
        String secondNode = LockNodes.ordered(zooKeeper.curator().getChildren().forPath(lockPath)).get(1);
        zooKeeper.curator().delete().forPath(lockPath + "/" + secondNode);

        firstLease.close();

        try (Lease lease = second.get(60, TimeUnit.SECONDS)) {
            Optional<Lease> rival = connect().lock("marked").tryAcquire();
            rival.ifPresent(Lease::close);
            assertThat(rival).as("a rival while the second waiter holds the lease").isEmpty();
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
        CompletableFuture<Lease> waiting = waiter.lock("reconnected").acquireAsync(Duration.ofSeconds(60));
        Poll.until("the waiter's node", Duration.ofSeconds(30), () -> nodes("reconnected") == 2);
        Poll.until("the waiter's watch", Duration.ofSeconds(30), () -> lastOperationOf(waiter).equals("GETD"));

        // Every connection drops and comes back, in the same sessions (the server keeps them).
        zooKeeper.restart();
        // The restarted server has a bean for the waiter's connection once it is back.
        Poll.until("the waiter connected again", Duration.ofSeconds(30), () -> {
            try {
                lastOperationOf(waiter);
                return true;
            } catch (IllegalStateException notYet) {
                return false;
            }
        });
        // A call of the waiter's client answered since: the session is confirmed, only the order of
        // the deletions is in doubt.
        waiter.lock("reconnected-other").acquire(Duration.ofSeconds(30)).close();
        holder.close();

        try (Lease lease = waiting.get(60, TimeUnit.SECONDS)) {
            assertThat(lease.fencingToken()).isGreaterThan(holder.fencingToken());
            assertThat(lastOperationOf(waiter)).as("the waiter's last request once granted: a read of the queue")
                    .isIn("GETC", "EXIS");
        }
    }

    private String lastOperationOf(LockEngine client) {
        try {
            return zooKeeper.lastOperation(client);
        } catch (Exception e) {
            throw new IllegalStateException("reading the server's bean of a connection failed", e);
        }
    }

    private int nodes(String name) {
        try {
            return zooKeeper.curator().getChildren().forPath(LockPaths.lockPath(root, name)).size();
        } catch (Exception e) {
            throw new IllegalStateException("listing the nodes of lock " + name + " failed", e);
        }
    }
}
