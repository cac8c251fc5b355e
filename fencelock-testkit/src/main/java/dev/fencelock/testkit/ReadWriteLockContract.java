package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedLock;
import dev.fencelock.DistributedReadWriteLock;
import dev.fencelock.Lease;
import dev.fencelock.spi.LockEngine;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a read-write lock promises on every store and topology that has one, the same for all: a
 * thread that holds the write lock is granted the read lock beside it (a downgrade) whoever waits,
 * and a writer that waits holds every other reader off. After every test it checks that nothing
 * was left behind, as every {@link StoreContract} does.
 */
public abstract class ReadWriteLockContract extends StoreContract {
    protected ReadWriteLockContract(StoreUnderTest store) {
        super(store);
    }

    /** A name that only readers hold is locked for the locks that wait for them: the write side and the plain lock. */
    @Test
    public void aNameThatOnlyReadersHoldIsLockedForEveryLockThatWaitsForThem() {
        LockEngine other = connect();
        DistributedReadWriteLock lock = other.readWriteLock("read-held");
        try (Lease read = connect().readWriteLock("read-held").readLock().acquire(Duration.ZERO)) {
            assertThat(lock.writeLock().tryAcquire()).as("a writer, while a reader holds").isEmpty();
            assertThat(lock.writeLock().isLocked()).as("the write side").isTrue();
            assertThat(other.lock("read-held").isLocked()).as("the plain lock of the name").isTrue();
            assertThat(lock.readLock().isLocked()).as("the read side").isTrue();
        }
        assertThat(lock.writeLock().isLocked()).as("the write side once the reader let go").isFalse();
        assertThat(lock.readLock().isLocked()).as("the read side once the reader let go").isFalse();
    }

    /**
     * A downgrade does not queue behind a writer that came after the write lock: that writer waits
     * for the write lock, which this very thread holds, so a downgrade that waited for it would wait
     * forever ({@code lock()}) or time out ({@code tryLock(5, SECONDS)}). The writer still gets the
     * lock only once both the write lock and the downgraded read lease are let go, with a token
     * greater than the read lease's. The read is taken through the lease API for its token: the
     * thread's Lock-view write hold makes it a downgrade all the same.
     */
    @Test
    public void aThreadHoldingTheWriteLockReadsAtOnceAlthoughAnotherClientsWriterWaits() throws Exception {
        DistributedReadWriteLock lock = connect().readWriteLock("downgrade");
        assertThat(lock.writeLock().tryLock(10, TimeUnit.SECONDS)).as("the free write lock").isTrue();
        LockEngine writersClient = connect();
        CompletableFuture<Lease> otherWriter = writersClient.readWriteLock("downgrade").writeLock()
                .acquireAsync(Duration.ofSeconds(30));
        awaitWaiting(writersClient, otherWriter);

        Optional<Lease> read = lock.readLock().tryAcquire();

        assertThat(read).as("the read lock beside this thread's write lock, another client's writer waiting").isPresent();
        lock.writeLock().unlock();
        Poll.throughout(Duration.ofMillis(300), () -> assertThat(otherWriter)
                .as("the other client's writer while the downgraded read lease holds").isNotDone());
        read.get().close();
        try (Lease written = otherWriter.get(30, TimeUnit.SECONDS)) {
            assertThat(written.fencingToken()).as("the writer's token, after the downgraded read lease")
                    .isGreaterThan(read.get().fencingToken());
        }
    }

    /**
     * Only the write holder's own thread reads ahead of a writer that waits: another thread of the
     * same client and another client's reader are refused, before the downgrade and after the write
     * lock is let go; the writer is granted once the downgraded read lease is let go.
     */
    @Test
    public void whileAWriterWaitsOnlyTheWriteHoldersThreadReads() throws Exception {
        DistributedReadWriteLock lock = connect().readWriteLock("preference");
        DistributedLock otherClientsReader = connect().readWriteLock("preference").readLock();
        assertThat(lock.writeLock().tryLock(10, TimeUnit.SECONDS)).as("the free write lock").isTrue();
        LockEngine writersClient = connect();
        CompletableFuture<Lease> writer = writersClient.readWriteLock("preference").writeLock()
                .acquireAsync(Duration.ofSeconds(30));
        awaitWaiting(writersClient, writer);

        assertThat(readsOnAnotherThread(lock.readLock())).as("another thread of the write holder's client").isFalse();
        assertThat(otherClientsReader.tryAcquire()).as("another client's reader, a writer waiting").isEmpty();
        assertThat(lock.readLock().tryLock()).as("the write holder's downgrade").isTrue();
        lock.writeLock().unlock();
        assertThat(readsOnAnotherThread(lock.readLock()))
                .as("another thread of the downgraded reader's client, a writer waiting").isFalse();
        assertThat(otherClientsReader.tryAcquire()).as("another client's reader, a writer waiting").isEmpty();
        lock.readLock().unlock();

        writer.get(30, TimeUnit.SECONDS).close();
    }

    /** Whether a thread other than the caller's, holding nothing, is granted a read lease at once (and gives it back). */
    private static boolean readsOnAnotherThread(DistributedLock readLock) throws Exception {
        return CompletableFuture.supplyAsync(() -> readLock.tryAcquire().map(lease -> {
            lease.close();
            return true;
        }).orElse(false)).get(30, TimeUnit.SECONDS);
    }
}
