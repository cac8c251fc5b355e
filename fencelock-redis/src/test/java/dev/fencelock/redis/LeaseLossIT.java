package dev.fencelock.redis;

import static dev.fencelock.redis.TestClients.grantedToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockEvents;
import dev.fencelock.LockException;
import dev.fencelock.LockLostException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.HeldLease;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.spi.LockKind;
import dev.fencelock.spi.Released;
import dev.fencelock.spi.Renewal;
import dev.fencelock.testkit.ChildJvm;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Leases renew while their holder lives, end when it dies, and are reported lost, never silently. */
@RedisTest
class LeaseLossIT {
    private static final Duration SIGNAL_WAIT = Duration.ofSeconds(10);
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void theWatchdogKeepsALockHeldForThreeTimesItsLease(RedisServer redis) throws Exception {
        // Each renewal, due at 0.5 s, has a second to be answered: a loaded machine stalls.
        Duration leaseTime = Duration.ofMillis(1500);
        DistributedLock lock = clients.connect(redis).lock("watchdog");
        DistributedLock rival = clients.connect(redis).lock("watchdog");
        try (Lease lease = lock.acquire(Duration.ZERO, LeaseOptions.renewing(leaseTime))) {
            Poll.throughout(leaseTime.multipliedBy(3), () -> {
                assertThat(rival.tryAcquire()).as("a rival acquired a lock that should be renewed").isEmpty();
                assertThat(lease.isValid()).isTrue();
            });
            assertThat(lease.lost()).isNotDone();
            assertThat((Long) redis.call("PTTL", "fencelock:{watchdog}")).isPositive();
        }
    }

    @Test
    void renewalsOfManyLeasesAreBatchedIntoFewScriptCalls(RedisServer redis) throws Exception {
        Duration leaseTime = Duration.ofMillis(1500);
        int leaseCount = 60;
        LockClient client = clients.connect(redis);
        AtomicInteger renewed = new AtomicInteger();
        client.addListener(new LockEvents() {
            @Override
            public void renewalCompleted(int leases, Duration roundTrip, boolean answered) {
                renewed.addAndGet(answered ? leases : 0);
            }
        });
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < leaseCount; i++) {
            leases.add(client.lock("batch-" + i).acquire(Duration.ZERO, LeaseOptions.renewing(leaseTime)));
        }
        redis.resetStats();
        int before = renewed.get();
        Poll.until("every lease renewed three times", Duration.ofSeconds(30), () -> renewed.get() - before >= 3 * leaseCount);
        long scripts = DistributedLockIT.scriptCalls(redis);
        int renewals = renewed.get() - before;
        for (Lease lease : leases) {
            assertThat(lease.isValid()).as("%s renewed", lease).isTrue();
            lease.close();
        }
        // Unbatched, each renewal would be a call of its own. Batched, leases whose renewals fall due
        // within a sixth of the lease share a call: acquired one after the other, they form a few
        // groups at most (one, when the acquisitions take less than a sixth of the lease).
        assertThat(scripts).as("renewal script calls").isPositive();
        assertThat(renewals / (double) scripts).as("leases renewed per script call (%d renewals, %d calls)", renewals, scripts)
                .isGreaterThanOrEqualTo(10);
    }

    @Test
    void aForeignValueOfAnotherTypeAtALockKeyLosesThatLeaseAloneOfItsRenewalBatch(RedisServer redis) {
        RedisStore store = TestClients.store(clients.connect(redis));
        Duration lease = Duration.ofSeconds(60);
        grantedToken(store.acquire(LockKind.PLAIN, "taken", "fl-taken", lease, false, null).join(), "the lease to lose");
        grantedToken(store.acquire(LockKind.PLAIN, "kept", "fl-kept", lease, false, null).join(), "the lease to keep");
        // The lease ran out, and another library's lock took the name: a hash, as Redisson's is.
        redis.call("DEL", "fencelock:{taken}");
        redis.call("HSET", "fencelock:{taken}", "redisson-holder", "1");

        List<Renewal> renewals = store.renew(List.of(new HeldLease(LockKind.PLAIN, "taken", "fl-taken", lease),
                new HeldLease(LockKind.PLAIN, "kept", "fl-kept", lease))).join();

        assertThat(renewals).as("the lease whose key holds the hash, then the other lease of the same call")
                .containsExactly(Renewal.TAKEN, Renewal.RENEWED);
        Attempt reader = store.acquire(LockKind.READ, "taken", "fl-reader", lease, false, "").join();
        assertThat(reader).as("a reader of the name the hash holds").isInstanceOf(Attempt.Refused.class);
        assertThat(((Attempt.Refused) reader).releaseAnnounced()).as("the hash's release announced").isFalse();
        assertThat(store.release(LockKind.PLAIN, "taken", "fl-taken", false).join().found())
                .as("the release of the lost lease").isEqualTo(Released.Finding.TAKEN);
        redis.call("DEL", "fencelock:{taken}");
        assertThat(store.release(LockKind.PLAIN, "kept", "fl-kept", false).join().found()).isEqualTo(Released.Finding.OURS);
    }

    @Test
    void aFixedLeaseIsNotRenewedAndIsReportedLostWhenItRunsOut(RedisServer redis) throws Exception {
        Lease lease = clients.connect(redis).lock("fixed").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(1)));
        assertThat((Long) redis.call("PTTL", "fencelock:{fixed}")).isBetween(1L, 1000L);

        LockLostException lost = lease.lost().toCompletableFuture().get(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(lost.reason()).isEqualTo(LockLostException.Reason.EXPIRED);
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    @Test
    void theLeaseIsReportedLostWhenItsKeyIsDeleted(RedisServer redis) throws Exception {
        // A 2 s lease: the renewal that finds the key gone has 1.3 s to be answered before the lease runs out (EXPIRED).
        Lease lease = clients.connect(redis).lock("deleted").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        CompletableFuture<LockLostException> listener = new CompletableFuture<>();
        lease.onLost(listener::complete);

        redis.call("DEL", "fencelock:{deleted}");

        LockLostException lost = listener.get(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(lost.reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
        assertThat(lost.lockName()).isEqualTo("deleted");
        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(lease::checkValid).isSameAs(lost);
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    @Test
    void theLeaseIsReportedLostWhenRedisRestartsWithoutPersistence(RedisServer redis) throws Exception {
        Lease lease = clients.connect(redis).lock("restarted").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(1)));

        redis.restart();

        LockLostException lost = lease.lost().toCompletableFuture().get(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(lost.reason()).isIn(LockLostException.Reason.KEY_GONE, LockLostException.Reason.EXPIRED);
        lease.close();
    }

    @Test
    void theLeaseIsReportedLostWhenRedisIsPausedPastItAndItsRenewalsFailed(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        List<Boolean> answered = new CopyOnWriteArrayList<>();
        client.addListener(new LockEvents() {
            @Override
            public void renewalCompleted(int leases, Duration roundTrip, boolean replied) {
                answered.add(replied);
            }
        });
        Lease lease = client.lock("redis-paused").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(1)));
        Poll.until("a renewal answered", SIGNAL_WAIT, () -> answered.contains(true));
        redis.pause();
        try {
            LockLostException lost = lease.lost().toCompletableFuture().get(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(lost.reason()).isEqualTo(LockLostException.Reason.EXPIRED);
            // Whichever came first, the renewal that timed out (the test clients' command timeout
            // is 300 ms) is reported.
            Poll.until("a renewal reported unanswered", SIGNAL_WAIT, () -> answered.contains(false));
        } finally {
            redis.resume();
        }
        lease.close();
    }

    @Test
    void theThreadHoldingTheLockViewIsInterruptedWhenAskedTo(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("interrupt", LeaseOptions.renewing(Duration.ofSeconds(1)).interruptHolderOnLoss());
        CompletableFuture<Void> locked = new CompletableFuture<>();
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        CompletableFuture<Throwable> unlocked = new CompletableFuture<>();
        Thread holder = new Thread(() -> {
            lock.lock();
            locked.complete(null);
            try {
                Thread.sleep(SIGNAL_WAIT.toMillis() * 2);
                interrupted.complete(false);
            } catch (InterruptedException e) {
                interrupted.complete(true);
            } finally {
                try {
                    lock.unlock();
                    unlocked.complete(null);
                } catch (Throwable e) {
                    unlocked.complete(e);
                }
            }
        });
        holder.start();
        locked.get(10, TimeUnit.SECONDS);

        redis.call("DEL", "fencelock:{interrupt}");

        assertThat(interrupted.get(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("holder interrupted").isTrue();
        assertThat(unlocked.get(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS)).isInstanceOf(LockLostException.class);
        holder.join(10_000);
    }

    @Test
    void aLeaseTakenAwayByCloseIsSignalledLostExactlyOnce(RedisServer redis) throws Exception {
        LockEngine client = clients.connect(redis);
        Lease lease = client.lock("closed").acquire(Duration.ZERO);
        List<LockLostException> signals = new CopyOnWriteArrayList<>();
        lease.onLost(signals::add);

        client.close();

        LockLostException lost = lease.lost().toCompletableFuture().get(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(lost.reason()).isEqualTo(LockLostException.Reason.CLIENT_CLOSED);
        assertThat(lost).hasMessageContaining("its LockClient was closed while it was held");
        assertThatThrownBy(lease::checkValid).isSameAs(lost);
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
        Poll.until("the listener called", SIGNAL_WAIT, () -> !signals.isEmpty());
        Poll.throughout(Duration.ofMillis(200), () -> assertThat(signals).as("signals").containsExactly(lost));
        assertThat(redis.call("EXISTS", "fencelock:{closed}")).as("the key deleted by close()").isEqualTo(0L);
    }

    @Test
    void theLockViewHolderIsInterruptedWhenItsClientIsClosed(RedisServer redis) throws Exception {
        LockEngine client = clients.connect(redis);
        DistributedLock lock = client.lock("closed-under-me", LeaseOptions.renewing(Duration.ofSeconds(5)).interruptHolderOnLoss());
        lock.lock();
        try {
            client.close();
            assertThat(Thread.interrupted()).as("interrupted by the loss").isTrue();
        } finally {
            assertThatThrownBy(lock::unlock).isInstanceOf(LockLostException.class)
                    .extracting(e -> ((LockLostException) e).reason()).isEqualTo(LockLostException.Reason.CLIENT_CLOSED);
        }
    }

    @Test
    void aKilledHolderProcessFreesTheLockWithinOneLease(RedisServer redis) throws Exception {
        Duration leaseTime = Duration.ofSeconds(2);
        try (ChildJvm holder = ChildJvm.start(LockHolderProcess.class, redis.uri(), "crash", Long.toString(leaseTime.toMillis()))) {
            holder.awaitLine("ACQUIRED", Duration.ofSeconds(30));
            holder.kill();
        }
        try (Lease lease = clients.connect(redis).lock("crash").acquire(leaseTime)) {
            assertThat(lease.isValid()).as("acquired within one lease of the kill").isTrue();
        }
    }

    @Test
    void aHolderProcessPausedPastItsLeaseIsToldItLostTheLock(RedisServer redis) throws Exception {
        Duration leaseTime = Duration.ofMillis(800);
        DistributedLock lock = clients.connect(redis).lock("paused-holder");
        try (ChildJvm holder = ChildJvm.start(LockHolderProcess.class, redis.uri(), "paused-holder", Long.toString(leaseTime.toMillis()))) {
            long stale = Long.parseLong(holder.awaitLine("ACQUIRED", Duration.ofSeconds(30)).split(" ")[1]);
            holder.signal("STOP");
            Lease lease;
            try {
                // The frozen holder cannot renew: its key expires and someone else takes the lock.
                lease = lock.acquire(Duration.ofSeconds(10));
            } finally {
                holder.signal("CONT");
            }
            try {
                assertThat(lease.fencingToken()).isGreaterThan(stale);
                assertThat(holder.awaitLine("LOST", SIGNAL_WAIT)).isIn("LOST EXPIRED", "LOST OWNER_CHANGED");
            } finally {
                lease.close();
            }
        }
    }
}
