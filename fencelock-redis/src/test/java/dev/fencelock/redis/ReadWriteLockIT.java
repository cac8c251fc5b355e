package dev.fencelock.redis;

import static dev.fencelock.redis.TestClients.grantedToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedReadWriteLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockLostException;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.spi.LockKind;
import dev.fencelock.spi.Released;
import dev.fencelock.testkit.ChildJvm;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many readers or one writer, writers preferred: readers share the lock, no reader overlaps a
 * writer, a waiting writer holds new readers back, and every reader's lease lives and dies on its own.
 */
@RedisTest
class ReadWriteLockIT {
    private static final String READERS = "fencelock:{rw}:readers";
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void readersOfSeveralClientsHoldAtOnceAndExcludeWriters(RedisServer redis) {
        DistributedReadWriteLock first = connect(redis).readWriteLock("rw");
        DistributedReadWriteLock second = connect(redis).readWriteLock("rw");
        try (Lease a = first.readLock().acquire(Duration.ZERO); Lease b = second.readLock().acquire(Duration.ZERO)) {
            assertThat(first.readLock().isLocked()).isTrue();
            assertThat(second.writeLock().tryAcquire()).as("a writer while readers hold").isEmpty();
            assertThat(connect(redis).lock("rw").tryAcquire()).as("the plain lock of the name while readers hold").isEmpty();
            assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());
        }
        assertThat(first.readLock().isLocked()).isFalse();
        try (Lease writer = second.writeLock().acquire(Duration.ZERO)) {
            assertThat(first.readLock().tryAcquire()).as("a reader while a writer holds").isEmpty();
        }
    }

    @Test
    void aWritersReleaseWakesTheReaderWaitingForIt(RedisServer redis) throws Exception {
        // Readers do not queue in Redis: only the release's message wakes them before their retry
        // timer, which a long command timeout puts 10 s away.
        LockEngine patient = clients.connect(redis,
                options -> options.commandTimeout(Duration.ofSeconds(10)).defaultLease(Duration.ofSeconds(60)));
        Lease writer = connect(redis).readWriteLock("rw").writeLock().acquire(Duration.ZERO);
        CompletableFuture<Lease> reader = patient.readWriteLock("rw").readLock().acquireAsync(Duration.ofSeconds(30));
        DistributedLockIT.awaitSubscribers(redis, "fencelock:{rw}:released", 1);
        redis.resetStats();

        writer.close();

        try (Lease read = reader.get(5, TimeUnit.SECONDS)) {
            assertThat(redis.commandCalls().get("publish")).as("the writer's release, announced").isEqualTo(1);
        }
    }

    @Test
    void noReaderEverOverlapsAWriter(RedisServer redis) throws Exception {
        List<LockEngine> engines = List.of(connect(redis), connect(redis));
        AtomicInteger readers = new AtomicInteger();
        AtomicInteger writers = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger readersTogether = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                DistributedReadWriteLock lock = engines.get(t % 2).readWriteLock("rw");
                boolean writer = t % 4 == 0;
                done.add(threads.submit(() -> {
                    for (int round = 0; round < 25; round++) {
                        if (writer) {
                            try (Lease lease = lock.writeLock().acquire(Duration.ofSeconds(60))) {
                                if (writers.incrementAndGet() != 1 || readers.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                Thread.yield(); // a window for another holder to show itself in
                                writers.decrementAndGet();
                            }
                        } else {
                            try (Lease lease = lock.readLock().acquire(Duration.ofSeconds(60))) {
                                int together = readers.incrementAndGet();
                                readersTogether.accumulateAndGet(together, Math::max);
                                if (writers.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                Thread.sleep(ThreadLocalRandom.current().nextInt(3)); // readers overlap
                                readers.decrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> each : done) {
                each.get(120, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(violations).as("a reader beside a writer, or two writers").hasValue(0);
        assertThat(readersTogether.get()).as("most readers holding at once").isGreaterThan(1);
    }

    @Test
    void aWaitingWriterHoldsNewReadersBackAndIsGrantedBeforeThem(RedisServer redis) throws Exception {
        DistributedReadWriteLock lock = connect(redis).readWriteLock("rw");
        DistributedReadWriteLock otherClient = connect(redis).readWriteLock("rw");
        Lease firstReader = lock.readLock().acquire(Duration.ZERO);
        CompletableFuture<Lease> writer = otherClient.writeLock().acquireAsync(Duration.ofSeconds(30));
        Poll.until("the writer queued", Duration.ofSeconds(5),
                () -> (Long) redis.call("ZCARD", "fencelock:{rw}:waiters") == 1);

        assertThat(lock.readLock().tryAcquire()).as("a new reader while a writer waits").isEmpty();
        CompletableFuture<Lease> laterReader = lock.readLock().acquireAsync(Duration.ofSeconds(30));
        firstReader.close();

        try (Lease written = writer.get(10, TimeUnit.SECONDS)) {
            assertThat(laterReader).as("the reader that came after the writer").isNotDone();
            assertThat(written.fencingToken()).isGreaterThan(firstReader.fencingToken());
        }
        try (Lease read = laterReader.get(10, TimeUnit.SECONDS)) {
            assertThat(read.isValid()).isTrue();
        }
    }

    @Test
    void aWriterIsNotStarvedByAContinuousStreamOfReaders(RedisServer redis) throws Exception {
        Duration readerLease = Duration.ofSeconds(4);
        List<LockEngine> engines = List.of(connect(redis), connect(redis));
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService readers = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                DistributedReadWriteLock lock = engines.get(t % 2).readWriteLock("rw");
                done.add(readers.submit(() -> {
                    while (!stop.get()) {
                        try (Lease lease = lock.readLock().acquire(Duration.ofSeconds(30), LeaseOptions.renewing(readerLease))) {
                            Thread.sleep(20); // a reader's work: the stream overlaps, the lock is never free of readers
                        }
                    }
                    return null;
                }));
            }
            Poll.until("readers streaming", Duration.ofSeconds(5), () -> (Long) redis.call("ZCARD", READERS) > 0);

            // Granted within one reader lease: the readers in finish, no new one starts.
            try (Lease writer = connect(redis).readWriteLock("rw").writeLock().acquire(readerLease)) {
                assertThat(writer.isValid()).isTrue();
            }
            stop.set(true);
            for (Future<?> each : done) {
                each.get(30, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            readers.shutdownNow();
        }
    }

    @Test
    void aThreadMayDowngradeButNotUpgrade(RedisServer redis) {
        DistributedReadWriteLock lock = connect(redis).readWriteLock("rw");
        DistributedReadWriteLock rival = connect(redis).readWriteLock("rw");

        lock.writeLock().lock();
        lock.readLock().lock();
        lock.writeLock().unlock();
        // The rival's leases, not Lock-view holds: this thread's own holds are the lock's, above.
        try (Lease otherReader = rival.readLock().tryAcquire().orElseThrow()) {
            assertThat(rival.writeLock().tryAcquire()).as("a writer beside the readers").isEmpty();
        }

        assertThatThrownBy(() -> lock.writeLock().lock())
                .isInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining("cannot upgrade");
        lock.readLock().unlock();
        assertThat(lock.readLock().isLocked()).isFalse();
    }

    @Test
    void aDowngradeDoesNotQueueBehindAReaderOfItsOwnClientThatWaitsForIt(RedisServer redis) throws Exception {
        LockEngine client = connect(redis);
        DistributedReadWriteLock lock = client.readWriteLock("rw");
        lock.writeLock().lock();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            // Another thread of the same client waits for a read lease while this one writes.
            Future<Boolean> reader = other.submit(() -> {
                try (Lease lease = lock.readLock().acquire(Duration.ofSeconds(30))) {
                    return lease.isValid();
                }
            });
            Poll.until("the other thread's reader refused and watching", Duration.ofSeconds(5),
                    () -> TestClients.channels(client) == 1);

            assertThat(lock.readLock().tryLock(10, TimeUnit.SECONDS)).as("the downgrade").isTrue();
            lock.writeLock().unlock();
            assertThat(reader.get(10, TimeUnit.SECONDS)).as("the other thread's read lease").isTrue();
            lock.readLock().unlock();
        } finally {
            other.shutdownNow();
        }
    }

    /**
     * The write lease's release beside its own downgrade leaves the writer it wakes on the queue,
     * where it holds new readers back: it cannot take the lock before the downgraded reader is out.
     * Taken off until it tried again, it would let a reader in meanwhile. The writer here is a queue
     * entry that never tries again, so that such a window would stay open.
     */
    @Test
    void aWriteReleaseBesideItsDowngradeLeavesTheWokenWriterQueued(RedisServer redis) {
        DistributedReadWriteLock lock = connect(redis).readWriteLock("rw");
        lock.writeLock().lock();
        redis.call("ZADD", "fencelock:{rw}:waiters", "1", "writer-that-never-retries");
        redis.call("ZADD", "fencelock:{rw}:waiter-deadlines", "9000000000000000", "writer-that-never-retries");
        assertThat(lock.readLock().tryLock()).as("the downgrade").isTrue();

        lock.writeLock().unlock();

        assertThat(connect(redis).readWriteLock("rw").readLock().tryAcquire())
                .as("another client's reader, a writer queued").isEmpty();
        lock.readLock().unlock();
        redis.call("DEL", "fencelock:{rw}:waiters", "fencelock:{rw}:waiter-deadlines");
    }

    @Test
    void eachReaderLeaseIsRenewedAndLostOnItsOwn(RedisServer redis) throws Exception {
        // The test kit's short command timeout, for a short lease whose renewals the test waits out;
        // each renewal has a second to be answered.
        DistributedReadWriteLock lock = clients.connect(redis).readWriteLock("rw");
        Duration lease = Duration.ofMillis(1500);
        Lease kept = lock.readLock().acquire(Duration.ZERO, LeaseOptions.renewing(lease));
        Lease taken = lock.readLock().acquire(Duration.ZERO, LeaseOptions.renewing(lease));
        CompletableFuture<LockLostException> lost = taken.lost().toCompletableFuture();

        redis.call("ZREM", READERS, ownerOf(redis, taken, kept));

        assertThat(lost.get(10, TimeUnit.SECONDS).reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
        // Three leases later the other reader is still renewed.
        Poll.throughout(lease.multipliedBy(3), () -> assertThat(kept.isValid()).isTrue());
        kept.close();
        taken.close();
    }

    @Test
    void aReadReleaseSentAgainIsReportedReleasedAndOneOfALostLeaseGone(RedisServer redis) throws Exception {
        // The server remembers a release for two command timeouts: long ones, so that it cannot forget meanwhile.
        RedisStore store = TestClients.store(clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(5))));
        Duration lease = Duration.ofSeconds(60);
        for (String reader : List.of("fl-released", "fl-other", "fl-deleted")) {
            grantedToken(store.acquire(LockKind.READ, "rw", reader, lease, false, null).join(), reader);
        }
        grantedToken(store.acquire(LockKind.READ, "rw", "fl-ran-out", Duration.ofMillis(1), false, null).join(), "fl-ran-out");
        TestClients.awaitRunOut(redis, READERS, "fl-ran-out");
        assertThat(releaseRead(store, "fl-ran-out")).as("a reader whose lease ran out").isEqualTo(Released.Finding.GONE);
        assertThat(releaseRead(store, "fl-released")).isEqualTo(Released.Finding.OURS);
        // Another reader's release in between: one "last release" would now be that one.
        assertThat(releaseRead(store, "fl-other")).isEqualTo(Released.Finding.OURS);
        redis.call("ZREM", READERS, "fl-deleted");

        // The same releases again: a retry after the reply was lost, or Lettuce's re-send after a disconnect.
        assertThat(releaseRead(store, "fl-released")).as("the release sent again").isEqualTo(Released.Finding.OURS);
        assertThat(releaseRead(store, "fl-ran-out")).as("the release of the lease that ran out, sent again")
                .isEqualTo(Released.Finding.GONE);
        assertThat(releaseRead(store, "fl-deleted")).as("a reader removed from Redis").isEqualTo(Released.Finding.GONE);
    }

    @Test
    void aNameRemembersItsLatestThousandReadReleasesAtMost(RedisServer redis) {
        // Remembered for two command timeouts: long ones, so that none runs out while a slow machine makes the thousand.
        RedisStore store = TestClients.store(clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(5))));
        Duration lease = Duration.ofSeconds(60);
        for (int i = 0; i < 1_050; i++) {
            grantedToken(store.acquire(LockKind.READ, "rw", "fl-" + i, lease, false, null).join(), "reader " + i);
            assertThat(releaseRead(store, "fl-" + i)).isEqualTo(Released.Finding.OURS);
        }

        // Unbounded, a read lock released thousands of times a second kept megabytes.
        assertThat((Long) redis.call("ZCARD", "fencelock:{rw}:recent-releases")).as("releases remembered").isEqualTo(1_000L);
        assertThat(releaseRead(store, "fl-1049")).as("the latest release, sent again").isEqualTo(Released.Finding.OURS);
    }

    private static Released.Finding releaseRead(RedisStore store, String reader) {
        return store.release(LockKind.READ, "rw", reader, false).join().found();
    }

    @Test
    void theReadersOutliveTheLongestReaderWhenAShorterOneJoinsUnderAShortFenceCounterTtl(RedisServer redis) {
        // A fence counter TTL shorter than a lease: the readers' TTL must not follow the last grant down to it.
        DistributedReadWriteLock lock = clients.connect(redis, options -> options.fenceCounterTtl(Duration.ofHours(1)))
                .readWriteLock("rw");
        Lease longer = lock.readLock().acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofHours(3)));
        Lease shorter = lock.readLock().acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(30)));
        // Read before the TTL, which only falls meanwhile: the comparison cannot pass by a late read.
        long longerLeft = longer.remaining().toMillis();
        assertThat((Long) redis.call("PTTL", READERS))
                .as("the readers' TTL against the longer reader's lease left: the set must not expire under it")
                .isGreaterThanOrEqualTo(longerLeft);

        shorter.close();
        longer.close();
    }

    /** Each reader's lease runs out on its own: the set of readers lives on with another reader's renewals. */
    @Test
    void aCrashedReaderFreesItsShareWithinItsLeaseWhileAnotherReaderHolds(RedisServer redis) throws Exception {
        LockEngine client = connect(redis);
        try (ChildJvm reader = ChildJvm.start(LockHolderProcess.class, redis.uri(), "rw", "1000", "read")) {
            reader.awaitLine("ACQUIRED", Duration.ofSeconds(30));
            try (Lease live = client.readWriteLock("rw").readLock()
                    .acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(4)))) {
                assertThat(client.admin().inspect("rw").readers()).as("readers, both alive").isEqualTo(2);
                reader.kill();
                Poll.until("the crashed reader's 1 s share gone", Duration.ofSeconds(5),
                        () -> client.admin().inspect("rw").readers() == 1);
                assertThat(live.isValid()).as("the live reader's lease").isTrue();
            }
            try (Lease writer = client.readWriteLock("rw").writeLock().acquire(Duration.ofSeconds(10))) {
                assertThat(writer.isValid()).isTrue();
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theLockViewsOfAReadWriteLockTakeTheLeaseItWasGiven(RedisServer redis) {
        DistributedReadWriteLock fixed = connect(redis).readWriteLock("fixed-rw", LeaseOptions.fixed(Duration.ofSeconds(7)));
        fixed.writeLock().lock();
        try {
            assertThat((Long) redis.call("PTTL", "fencelock:{fixed-rw}")).as("the write lock's time to live, in ms")
                    .isBetween(1L, 7000L);
        } finally {
            fixed.writeLock().unlock();
        }
        fixed.readLock().lock();
        try {
            List<Object> reader = (List<Object>) redis.call("ZRANGE", "fencelock:{fixed-rw}:readers", "0", "0", "WITHSCORES");
            List<Object> time = (List<Object>) redis.call("TIME");
            long nowMicros = Long.parseLong(String.valueOf(time.get(0))) * 1_000_000 + Long.parseLong(String.valueOf(time.get(1)));
            assertThat(Long.parseLong(String.valueOf(reader.get(1))) - nowMicros).as("the read lease left, in µs")
                    .isBetween(1L, 7_000_000L);
        } finally {
            fixed.readLock().unlock();
        }
    }

    /** The owner token of the reader that is {@code reader} and not {@code other}, from Redis. */
    @SuppressWarnings("unchecked")
    private static String ownerOf(RedisServer redis, Lease reader, Lease other) {
        List<Object> members = (List<Object>) redis.call("ZRANGE", READERS, "0", "-1");
        assertThat(members).hasSize(2);
        // Tokens are minted in order and the readers were added in order.
        return String.valueOf(members.get(reader.fencingToken() > other.fencingToken() ? 1 : 0));
    }

    /** A client whose commands may take a second: these tests make many processes and threads busy. */
    private LockEngine connect(RedisServer redis) {
        return clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(1)));
    }
}
