package dev.fencelock.redis;

import static dev.fencelock.redis.TestClients.grantedToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.spi.LockKind;
import dev.fencelock.spi.PermitWaiter;
import dev.fencelock.spi.Released;
import dev.fencelock.testkit.ChildJvm;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The semaphore across processes: never more holders than permits, as the resource sees them; a
 * killed holder's permit freed within its lease; waiters of several clients served in the order
 * they reached Redis, one per freed permit; and a Redis that does not answer reported, not waited out.
 */
@RedisTest
class SemaphoreIT {
    private static final String QUEUE = "fencelock:{fifo}:permit-queue";
    /** Fixed leases: no renewal runs a script while a test counts them. */
    private static final LeaseOptions FIXED = LeaseOptions.fixed(Duration.ofSeconds(60));
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void processesNeverHoldMorePermitsThanTheCountAsTheResourceSeesThem(RedisServer redis) throws Exception {
        int permits = 2;
        runWorkers(redis, permits, "guarded", "guarded");
        assertThat(redis.call("GET", "guarded:most")).as("most holders inside the resource at once, of %d permits", permits)
                .isIn("1", "2");
        assertThat(redis.call("GET", "guarded:reused")).as("entries with a token used before").isNull();
        // The same workers without the semaphore do crowd in: the check above can fail.
        runWorkers(redis, permits, "unguarded", "unguarded");
        assertThat(Long.parseLong((String) redis.call("GET", "unguarded:most"))).as("most inside without the semaphore")
                .isGreaterThan(permits);
    }

    /** Three worker processes of two threads each, over a semaphore of {@code permits}. */
    private static void runWorkers(RedisServer redis, int permits, String mode, String resource) throws Exception {
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                children.add(ChildJvm.start(SemaphoreWorkerProcess.class, redis.uri(), "workers",
                        Integer.toString(permits), resource, "25", mode));
            }
            // All connected before any starts, so that they contend however slowly their JVMs start.
            for (ChildJvm child : children) {
                child.awaitLine("READY", Duration.ofSeconds(60));
            }
            for (ChildJvm child : children) {
                child.send("GO");
            }
            for (ChildJvm child : children) {
                child.awaitLine("DONE", Duration.ofSeconds(120));
                assertThat(child.awaitExit(Duration.ofSeconds(10))).isZero();
            }
        } finally {
            for (ChildJvm child : children) {
                child.close();
            }
        }
    }

    @Test
    void aHolderKilledWithSigkillFreesItsPermitWithinOneLease(RedisServer redis) throws Exception {
        Duration leaseTime = Duration.ofSeconds(2);
        DistributedSemaphore semaphore = clients.connect(redis).semaphore("crash", 1);
        try (ChildJvm holder = ChildJvm.start(LockHolderProcess.class, redis.uri(), "crash",
                Long.toString(leaseTime.toMillis()), "permit-1")) {
            long stale = Long.parseLong(holder.awaitLine("ACQUIRED", Duration.ofSeconds(30)).split(" ")[1]);
            assertThat(semaphore.tryAcquire()).as("the only permit, held by the child").isEmpty();
            holder.kill();
            try (Lease lease = semaphore.acquire(leaseTime)) {
                assertThat(lease.fencingToken()).as("acquired within one lease of the kill, fenced past the dead holder")
                        .isGreaterThan(stale);
            }
        }
    }

    @Test
    void waitersOfSeveralClientsAreServedInArrivalOrderOnePerFreedPermit(RedisServer redis) throws Exception {
        // Fixed leases: no renewal runs a script while the scripts are counted.
        LeaseOptions fixed = LeaseOptions.fixed(Duration.ofSeconds(60));
        DistributedSemaphore holder = connect(redis).semaphore("fifo", 2);
        Lease first = holder.acquire(Duration.ZERO, fixed);
        Lease second = holder.acquire(Duration.ZERO, fixed);
        List<LockEngine> waiterClients = List.of(connect(redis), connect(redis));
        int waiters = 8;
        List<CompletableFuture<Lease>> queued = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            int arrival = i;
            queued.add(waiterClients.get(i % 2).semaphore("fifo", 2).acquireAsync(Duration.ofSeconds(60), fixed));
            // The arrival order is the order in Redis: the next waiter starts once this one is queued.
            Poll.until("waiter " + i + " queued", Duration.ofSeconds(10), () -> zcard(redis) == arrival + 1);
        }

        // One permit frees at a time (the second stays held): each must go to the next in arrival order.
        redis.resetStats();
        Lease freeing = first;
        for (int i = 0; i < waiters; i++) {
            freeing.close();
            freeing = queued.get(i).get(30, TimeUnit.SECONDS);
            for (int later = i + 1; later < waiters; later++) {
                assertThat(queued.get(later)).as("waiter %d, after the release that let waiter %d in", later, i).isNotDone();
            }
        }
        freeing.close();
        second.close();
        assertThat(zcard(redis)).as("waiters left in the queue").isZero();
        // Each freed permit: its release and the named waiter's try, and at most one more try, of the
        // waiter behind, woken after the claim window in case the named one is gone; and the last two
        // releases. Waking every waiter at each release would take 36 tries more.
        assertThat(redis.commandCalls().get("evalsha")).as("scripts run for %d hand-offs", waiters)
                .isLessThanOrEqualTo(3L * waiters + 2);
    }

    @Test
    void theHoldersOutliveTheLongestPermitWhenAShorterOneIsGrantedUnderAShortFenceCounterTtl(RedisServer redis) {
        // A fence counter TTL shorter than a lease: the holders' TTL must not follow the last grant down to it.
        DistributedSemaphore semaphore = clients.connect(redis, options -> options.fenceCounterTtl(Duration.ofHours(1)))
                .semaphore("ttl", 2);
        Lease longer = semaphore.acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofHours(3)));
        Lease shorter = semaphore.acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(30)));
        // Read before the TTL, which only falls meanwhile: the comparison cannot pass by a late read.
        long longerLeft = longer.remaining().toMillis();
        assertThat((Long) redis.call("PTTL", "fencelock:{ttl}:permits"))
                .as("the holders' TTL against the longer permit's lease left: the set, and its count, must not expire under it")
                .isGreaterThanOrEqualTo(longerLeft);

        shorter.close();
        longer.close();
    }

    @Test
    void aPermitFreedWhileAnotherAcquisitionOfTheClientWaitsIsGrantedToItByTheReleaseAlone(RedisServer redis)
            throws Exception {
        DistributedSemaphore semaphore = connect(redis).semaphore("fifo", 1);
        Lease holder = semaphore.acquire(Duration.ZERO, FIXED);
        CompletableFuture<Lease> waiter = queue(redis, semaphore);

        redis.resetStats();
        holder.close();
        try (Lease passed = waiter.get(30, TimeUnit.SECONDS)) {
            assertThat(redis.commandCalls().get("evalsha")).as("scripts run for the hand-off: the release only").isEqualTo(1L);
            assertThat(passed.fencingToken()).as("the passed permit's token").isGreaterThan(holder.fencingToken());
            assertThat(passed.isValid()).isTrue();
            assertThat(zcard(redis)).as("waiters left in the queue").isZero();
            assertThat(semaphore.availablePermits()).isZero();
        }
        assertThat(semaphore.availablePermits()).as("after the passed permit's release").isEqualTo(1);
    }

    @Test
    void aReleasePassesItsPermitToNoAcquisitionOfItsClientWhileAnotherClientWaitsLonger(RedisServer redis)
            throws Exception {
        DistributedSemaphore releasing = connect(redis).semaphore("fifo", 1);
        Lease holder = releasing.acquire(Duration.ZERO, FIXED);
        CompletableFuture<Lease> other = queue(redis, connect(redis).semaphore("fifo", 1));
        CompletableFuture<Lease> own = queue(redis, releasing);

        holder.close();
        Lease first = other.get(30, TimeUnit.SECONDS);
        assertThat(own).as("the releasing client's waiter, queued after the other client's").isNotDone();
        first.close();
        own.get(30, TimeUnit.SECONDS).close();
    }

    @Test
    void anAttemptThatCrossesTheReleasePassingItThePermitIsGrantedTheSamePermitAgain(RedisServer redis) {
        RedisStore store = TestClients.store(connect(redis));
        Duration lease = Duration.ofSeconds(60);
        long held = ((Attempt.Granted) store.acquirePermit("fifo", 1, "fl-holder", lease, true).join()).fencingToken();
        assertThat(store.acquirePermit("fifo", 1, "fl-waiter", lease, true).join()).isInstanceOf(Attempt.Refused.class);

        Released released = store.releasePermit("fifo", "fl-holder", List.of(new PermitWaiter("fl-other", lease),
                new PermitWaiter("fl-waiter", lease))).join();
        assertThat(released.found()).isEqualTo(Released.Finding.OURS);
        assertThat(released.passed()).as("passed to the second waiter named, the first in the queue").isNotNull();
        assertThat(released.passed().owner()).isEqualTo("fl-waiter");
        assertThat(released.passed().fencingToken()).isGreaterThan(held);

        // The waiter's own attempt, sent before it saw the release's reply: the same permit again.
        Attempt again = store.acquirePermit("fifo", 1, "fl-waiter", lease, true).join();
        assertThat(again).isInstanceOf(Attempt.Granted.class);
        assertThat(((Attempt.Granted) again).fencingToken()).isGreaterThan(released.passed().fencingToken());
        assertThat(store.availablePermits("fifo", 1).join()).as("free permits: one holder, granted twice").isZero();
        assertThat(store.acquirePermit("fifo", 1, "fl-late", lease, false).join()).isInstanceOf(Attempt.Refused.class);
        assertThat(store.releasePermit("fifo", "fl-waiter", List.of()).join().found()).isEqualTo(Released.Finding.OURS);
        assertThat(store.availablePermits("fifo", 1).join()).isEqualTo(1);
    }

    @Test
    void aFreedPermitKeptForTheQueuedWaiterIsRefusedToATryThatDoesNotWaitAndToALaterWaiter(RedisServer redis) {
        // The claim window is the command timeout: long, so that the permit is still kept at every try below.
        RedisStore store = TestClients.store(clients.connect(redis,
                options -> options.commandTimeout(Duration.ofSeconds(30)).defaultLease(Duration.ofMinutes(2))));
        Duration lease = Duration.ofSeconds(60);
        grantedToken(store.acquirePermit("barge", 1, "fl-holder", lease, false).join(), "fl-holder");
        assertThat(store.acquirePermit("barge", 1, "fl-waiter", lease, true).join()).isInstanceOf(Attempt.Refused.class);
        assertThat(store.releasePermit("barge", "fl-holder", List.of()).join().found()).isEqualTo(Released.Finding.OURS);

        // The waiter has not tried since the release (its wake-up is on its way): the permit is its.
        assertThat(store.acquirePermit("barge", 1, "fl-try", lease, false).join())
                .as("a tryAcquire while the freed permit is kept for the queued waiter").isInstanceOf(Attempt.Refused.class);
        assertThat(store.acquirePermit("barge", 1, "fl-later", lease, true).join())
                .as("a waiter that queued after it").isInstanceOf(Attempt.Refused.class);
        grantedToken(store.acquirePermit("barge", 1, "fl-waiter", lease, true).join(), "fl-waiter");

        assertThat(store.releasePermit("barge", "fl-waiter", List.of()).join().found()).isEqualTo(Released.Finding.OURS);
        grantedToken(store.acquirePermit("barge", 1, "fl-later", lease, true).join(), "fl-later");
        assertThat(store.releasePermit("barge", "fl-later", List.of()).join().found()).isEqualTo(Released.Finding.OURS);
    }

    @Test
    void aPermitReleaseSentAgainIsReportedReleasedAndOneOfALostPermitGone(RedisServer redis) throws Exception {
        // The server remembers a release for two command timeouts: long ones, so that it cannot forget meanwhile.
        RedisStore store = TestClients.store(clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(5))));
        Duration lease = Duration.ofSeconds(60);
        for (String holder : List.of("fl-released", "fl-other", "fl-deleted")) {
            grantedToken(store.acquirePermit("resent", 4, holder, lease, false).join(), holder);
        }
        grantedToken(store.acquirePermit("resent", 4, "fl-ran-out", Duration.ofMillis(1), false).join(), "fl-ran-out");
        TestClients.awaitRunOut(redis, "fencelock:{resent}:permits", "fl-ran-out");
        assertThat(releasePermit(store, "fl-ran-out")).as("a permit whose lease ran out").isEqualTo(Released.Finding.GONE);
        assertThat(releasePermit(store, "fl-released")).isEqualTo(Released.Finding.OURS);
        // Another holder's release in between: one "last release" would now be that one.
        assertThat(releasePermit(store, "fl-other")).isEqualTo(Released.Finding.OURS);
        redis.call("ZREM", "fencelock:{resent}:permits", "fl-deleted");

        // The same releases again: a retry after the reply was lost, or Lettuce's re-send after a disconnect.
        assertThat(releasePermit(store, "fl-released")).as("the release sent again").isEqualTo(Released.Finding.OURS);
        assertThat(store.release(LockKind.PERMIT, "resent", "fl-released", false).join().found())
                .as("the release sent again, without acquisitions to pass the permit to").isEqualTo(Released.Finding.OURS);
        assertThat(releasePermit(store, "fl-ran-out")).as("the release of the permit that ran out, sent again")
                .isEqualTo(Released.Finding.GONE);
        assertThat(releasePermit(store, "fl-deleted")).as("a permit removed from Redis").isEqualTo(Released.Finding.GONE);
    }

    /** A release by the call that may pass the permit on, here with no acquisition to pass it to. */
    private static Released.Finding releasePermit(RedisStore store, String holder) {
        return store.releasePermit("resent", holder, List.of()).join().found();
    }

    @Test
    void aWaiterLeavingTheQueueAsAReleaseKeepsItAPermitLeavesNoDeadlineBehind(RedisServer redis) throws Exception {
        RedisStore waiting = TestClients.store(connect(redis));
        RedisStore releasing = TestClients.store(connect(redis));
        Duration lease = Duration.ofSeconds(60);
        ExecutorService racer = Executors.newSingleThreadExecutor();
        try {
            // The race is a window of microseconds: many rounds, each on a name of its own.
            for (int round = 0; round < 300; round++) {
                String name = "leaving-" + round;
                String queue = "fencelock:{" + name + "}:permit-queue";
                assertThat(releasing.acquirePermit(name, 1, "fl-holder", lease, false).join()).isInstanceOf(Attempt.Granted.class);
                assertThat(waiting.acquirePermit(name, 1, "fl-waiter", lease, true).join()).isInstanceOf(Attempt.Refused.class);
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Released> released = racer.submit(() -> {
                    start.await();
                    return releasing.releasePermit(name, "fl-holder", List.of()).join();
                });
                start.await();
                waiting.stopWaiting(LockKind.PERMIT, name, "fl-waiter");
                assertThat(released.get(10, TimeUnit.SECONDS).found()).isEqualTo(Released.Finding.OURS);
                Poll.until("the waiter off the queue", Duration.ofSeconds(10), () -> redis.call("ZCARD", queue).equals(0L));
                assertThat((List<?>) redis.call("ZRANGE", "fencelock:{" + name + "}:permit-deadlines", "0", "-1"))
                        .as("deadlines left of waiters that left, round %d", round).isEmpty();
            }
        } finally {
            racer.shutdownNow();
        }
    }

    @Test
    void anUnreachableRedisFailsTheAcquisitionInsteadOfWaitingOutMaxWait(RedisServer redis) {
        DistributedSemaphore semaphore = clients.connect(redis).semaphore("down", 2);
        redis.kill();

        Duration maxWait = Duration.ofSeconds(30);
        long start = System.nanoTime();
        assertThatThrownBy(() -> semaphore.acquire(maxWait))
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("Redis at 127.0.0.1:" + redis.port());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("failed instead of waiting out maxWait").isLessThan(maxWait);
        assertThatThrownBy(semaphore::availablePermits).isInstanceOf(LockUnavailableException.class);
    }

    /** Starts an acquisition with a fixed lease that waits, and returns once Redis queued it. */
    private static CompletableFuture<Lease> queue(RedisServer redis, DistributedSemaphore semaphore)
            throws InterruptedException {
        long before = zcard(redis);
        CompletableFuture<Lease> waiting = semaphore.acquireAsync(Duration.ofSeconds(60), FIXED);
        Poll.until("the acquisition queued", Duration.ofSeconds(10), () -> zcard(redis) == before + 1);
        return waiting;
    }

    private static long zcard(RedisServer redis) {
        return (Long) redis.call("ZCARD", QUEUE);
    }

    /** A client whose commands may take a second: these tests make several processes busy. */
    private LockEngine connect(RedisServer redis) {
        return clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(1)));
    }
}
