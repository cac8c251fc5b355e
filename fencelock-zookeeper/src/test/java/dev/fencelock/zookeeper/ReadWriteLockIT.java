package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedReadWriteLock;
import dev.fencelock.Lease;
import dev.fencelock.LockLostException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.junit.jupiter.api.Test;

/**
 * Readers share, a writer is alone, a waiting writer holds new readers off; Curator's read-write
 * lock takes part beside Fencelock's readers (the pairing that the README calls safe).
 */
class ReadWriteLockIT extends ZooKeeperIT {

    @Test
    void readersOfSeveralClientsShareTheLockAndExcludeAWriter() throws Exception {
        DistributedReadWriteLock first = connect().readWriteLock("prices");
        DistributedReadWriteLock second = connect().readWriteLock("prices");
        Lease read1 = first.readLock().acquire(Duration.ZERO);
        Lease read2 = second.readLock().acquire(Duration.ZERO);
        assertThat(second.writeLock().tryAcquire()).as("a writer while readers hold").isEmpty();
        assertThat(first.readLock().isLocked()).isTrue();
        assertThat(first.writeLock().isLocked()).as("the write side, which waits for the readers").isTrue();
        read1.close();
        read2.close();
        try (Lease write = second.writeLock().acquire(Duration.ZERO)) {
            assertThat(write.fencingToken()).isGreaterThan(Math.max(read1.fencingToken(), read2.fencingToken()));
            assertThat(first.readLock().tryAcquire()).as("a reader while a writer holds").isEmpty();
        }
    }

    @Test
    void aWaitingWriterHoldsNewReadersOffAndIsWokenByTheLastReader() throws Exception {
        DistributedReadWriteLock readers = connect().readWriteLock("stock");
        LockEngine writersClient = connect();
        DistributedReadWriteLock writer = writersClient.readWriteLock("stock");
        Lease read = readers.readLock().acquire(Duration.ZERO);
        CompletableFuture<Lease> waitingWriter = writer.writeLock().acquireAsync(Duration.ofSeconds(30));
        Poll.until("the writer's node queued", Duration.ofSeconds(10), () -> TestZooKeeper.waitingNodes(writersClient) == 1);
        Poll.throughout(Duration.ofMillis(300), () -> assertThat(waitingWriter).isNotDone());

        assertThat(connect().readWriteLock("stock").readLock().tryAcquire())
                .as("a new reader behind the waiting writer").isEmpty();
        read.close();

        waitingWriter.get(30, TimeUnit.SECONDS).close();
    }

    @Test
    void aWriterMayDowngradeToAReadLockThroughTheLockView() {
        DistributedReadWriteLock lock = connect().readWriteLock("catalog");
        DistributedReadWriteLock other = connect().readWriteLock("catalog");
        lock.writeLock().lock();
        lock.readLock().lock();
        lock.writeLock().unlock();
        assertThat(other.writeLock().tryAcquire()).as("a writer beside the downgraded reader").isEmpty();
        other.readLock().acquire(Duration.ofSeconds(10)).close();
        lock.readLock().unlock();
        other.writeLock().acquire(Duration.ofSeconds(10)).close();
    }

    @Test
    void curatorsWriteLockAndFencelocksReadersExcludeEachOther() throws Exception {
        InterProcessReadWriteLock curator = new InterProcessReadWriteLock(zooKeeper.curator(), LockPaths.lockPath(root, "shared"));
        DistributedReadWriteLock fencelock = connect().readWriteLock("shared");

        curator.writeLock().acquire();
        assertThat(fencelock.readLock().tryAcquire()).as("a Fencelock reader while Curator writes").isEmpty();
        curator.writeLock().release();

        try (Lease read = fencelock.readLock().acquire(Duration.ofSeconds(10))) {
            assertThat(curator.writeLock().acquire(200, TimeUnit.MILLISECONDS)).as("Curator's writer while Fencelock reads").isFalse();
            assertThat(read.isValid()).isTrue();
        }
        assertThat(curator.writeLock().acquire(10, TimeUnit.SECONDS)).isTrue();
        curator.writeLock().release();
    }

    @Test
    void curatorsReadersAndFencelocksReadersShareAndCuratorsWriterWaitsForBoth() throws Exception {
        InterProcessReadWriteLock curator = new InterProcessReadWriteLock(zooKeeper.curator(), LockPaths.lockPath(root, "shared"));
        DistributedReadWriteLock fencelock = connect().readWriteLock("shared");
        curator.readLock().acquire();
        try (Lease read = fencelock.readLock().acquire(Duration.ZERO)) {
            CompletableFuture<Boolean> curatorsWriter = CompletableFuture.supplyAsync(() -> {
                try {
                    return curator.writeLock().acquire(200, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("Curator's write lock failed", e);
                }
            });
            assertThat(curatorsWriter.get(30, TimeUnit.SECONDS)).as("Curator's writer while both readers hold").isFalse();
            assertThat(read.isValid()).isTrue();
        } finally {
            curator.readLock().release();
        }
        assertThat(curator.writeLock().acquire(10, TimeUnit.SECONDS)).as("Curator's writer once both readers left").isTrue();
        assertThat(fencelock.readLock().tryAcquire()).as("a Fencelock reader while Curator writes").isEmpty();
        curator.writeLock().release();
    }

    /**
     * A thread's downgrade goes to the store beside the client's waiting reader (it does not take
     * the readers' gate). The readers of a client share its place in the queue: the downgrade is
     * granted on the node that the reader waits with, and the reader, woken by the write lease's
     * release, queues anew behind the other client's writer. It must then be woken by that
     * writer's release, not at its keep-alive interval (the session timeout, long here).
     */
    @Test
    void aReaderWaitingWhileItsClientsWriterDowngradesIsWokenByTheNextWritersRelease() throws Exception {
        LockEngine client = connect(options -> options.sessionTimeout(Duration.ofSeconds(60)));
        DistributedReadWriteLock lock = client.readWriteLock("ledger");
        DistributedReadWriteLock otherWriter = connect().readWriteLock("ledger");
        lock.writeLock().lock();
        CompletableFuture<Lease> reader = CompletableFuture.supplyAsync(() -> lock.readLock().acquire(Duration.ofSeconds(120)));
        // Refused, not only created: a downgrade sent before the reader's refusal is judged finds
        // no waiting node to take, queues one of its own, and leaves the reader ahead of the other
        // writer, to be granted at the write lease's release (its node first, the writer's last).
        Poll.until("the reader refused and waiting", Duration.ofSeconds(30), () -> TestZooKeeper.waitingNodes(client) == 1);
        lock.readLock().lock();
        assertThat(zooKeeper.nodes(root, "ledger"))
                .as("the write lease's node and the waiting reader's, on which the downgrade is granted")
                .isEqualTo(2);
        CompletableFuture<Lease> writer = otherWriter.writeLock().acquireAsync(Duration.ofSeconds(120));
        Poll.until("the other client's writer's node", Duration.ofSeconds(30), () -> zooKeeper.nodes(root, "ledger") == 3);
        lock.writeLock().unlock();
        lock.readLock().unlock();
        Lease written = writer.get(30, TimeUnit.SECONDS);
        Poll.throughout(Duration.ofMillis(200), () -> assertThat(reader).as("a reader while a writer holds").isNotDone());

        written.close();

        assertThat(reader.get(10, TimeUnit.SECONDS).fencingToken())
                .as("the reader, woken by the writer's release rather than at its keep-alive interval")
                .isGreaterThan(written.fencingToken());
        reader.join().close();
    }

    /**
     * A downgrade granted on its write lease's node (another client's writer waits) shares the
     * node, and the first of the two leases to let go does not delete it. It still asks ZooKeeper:
     * when an operator deleted the node meanwhile, it reports the lease lost, as the last one does.
     */
    @Test
    void theFirstOfTwoLeasesSharingANodeThatAnOperatorDeletedReportsItLost() throws Exception {
        DistributedReadWriteLock lock = connect().readWriteLock("journal");
        LockEngine writersClient = connect();
        lock.writeLock().lock();
        CompletableFuture<Lease> writer = writersClient.readWriteLock("journal").writeLock().acquireAsync(Duration.ofSeconds(30));
        Poll.until("the other client's writer refused and waiting", Duration.ofSeconds(30),
                () -> TestZooKeeper.waitingNodes(writersClient) == 1);
        Lease read = lock.readLock().acquire(Duration.ZERO);
        // The downgrade's own node, given up for the shared one, goes in the background.
        Poll.until("the node the two leases share, and the writer's, alone", Duration.ofSeconds(30),
                () -> zooKeeper.nodes(root, "journal") == 2);

        assertThat(connect().admin().forceRelease("journal")).as("the operator's delete").isPresent();

        assertThat(read.release()).as("the downgrade, first to let go of the deleted node")
                .isEqualTo(ReleaseOutcome.ALREADY_LOST);
        assertThatThrownBy(() -> lock.writeLock().unlock()).as("the write lease, last to let go")
                .isInstanceOf(LockLostException.class);
        writer.get(30, TimeUnit.SECONDS).close();
    }
}
