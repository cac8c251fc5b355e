package dev.fencelock.redis;

import static dev.fencelock.redis.TestClients.grantedToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockEvents;
import dev.fencelock.LockInfo;
import dev.fencelock.LockLostException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.Released;
import dev.fencelock.testkit.ChildJvm;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Multi-locks on one real redis-server: all or none under load across processes (checked from
 * Redis), exclusion against plain holders of each name, one fencing token for every name, the loss
 * of one name, waiting for the name that refused, and the operator's view.
 */
@RedisTest
class MultiLockIT {
    /** Reads every lock key of {@code KEYS} in one step: a snapshot no acquisition can be half-way through. */
    private static final String SNAPSHOT = "local values = {} for i, key in ipairs(KEYS) do"
            + " values[i] = redis.call('GET', key) or '' end return values";

    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void overlappingMultiLocksInOppositeOrdersUnderLoadNeverDeadlockNorHoldASubset(RedisServer redis) throws Exception {
        List<List<String>> sets = List.of(
                List.of("m:a", "m:b", "m:c"), List.of("m:c", "m:d", "m:a"), // the two child JVMs
                List.of("m:b", "m:d"), List.of("m:d", "m:b", "m:a"), List.of("m:a", "m:c"), List.of("m:c", "m:b"));
        int childRounds = 40;
        int threadRounds = 40;
        List<String> names = List.of("m:a", "m:b", "m:c", "m:d");
        Set<Set<String>> allowed = new HashSet<>();
        sets.forEach(set -> allowed.add(Set.copyOf(set)));

        List<ChildJvm> children = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        RedisClient lettuce = RedisClient.create(redis.uri());
        AtomicBoolean sampling = new AtomicBoolean(true);
        List<String> subsets = new ArrayList<>();
        AtomicLong busySamples = new AtomicLong();
        try (StatefulRedisConnection<String, String> connection = lettuce.connect()) {
            for (List<String> set : sets.subList(0, 2)) {
                List<String> args = new ArrayList<>(List.of(redis.uri(), Integer.toString(childRounds)));
                args.addAll(set);
                children.add(ChildJvm.start(MultiLockWorkerProcess.class, args.toArray(String[]::new)));
            }
            for (ChildJvm child : children) {
                child.awaitLine("READY", Duration.ofSeconds(60));
            }
            // The library's default command timeout, as the child JVMs have: two JVMs, four threads and the
            // sampler load the machine, and the test is about exclusion, not about how fast Redis answers.
            LockClient first = clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(2)));
            LockClient second = clients.connect(redis, options -> options.commandTimeout(Duration.ofSeconds(2)));
            Thread sampler = new Thread(() -> {
                String[] keys = names.stream().map(name -> "fencelock:{" + name + "}").toArray(String[]::new);
                while (sampling.get()) {
                    @SuppressWarnings("unchecked")
                    List<Object> values = (List<Object>) redis.call(concat("EVAL", SNAPSHOT, "4", keys));
                    Map<String, Set<String>> held = new HashMap<>();
                    for (int i = 0; i < names.size(); i++) {
                        String owner = String.valueOf(values.get(i));
                        if (!owner.isEmpty()) {
                            held.computeIfAbsent(owner, o -> new HashSet<>()).add(names.get(i));
                        }
                    }
                    if (!held.isEmpty()) {
                        busySamples.incrementAndGet();
                    }
                    held.values().stream().filter(set -> !allowed.contains(set))
                            .forEach(set -> subsets.add(set.toString()));
                    // A pace, not a synchronization: hundreds of snapshots a second, without
                    // taking Redis from the workers.
                    LockSupport.parkNanos(1_000_000);
                }
            });
            sampler.start();
            children.forEach(child -> {
                try {
                    child.send("GO");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            List<Future<?>> running = new ArrayList<>();
            for (int i = 2; i < sets.size(); i++) {
                List<String> set = sets.get(i);
                LockClient client = i % 2 == 0 ? first : second;
                running.add(threads.submit(() -> MultiLockWorkerProcess.run(client, connection.sync(), set, threadRounds)));
            }
            for (Future<?> thread : running) {
                thread.get(3, TimeUnit.MINUTES);
            }
            for (ChildJvm child : children) {
                child.awaitLine("DONE", Duration.ofMinutes(3));
                assertThat(child.awaitExit(Duration.ofSeconds(10))).as("a worker process's exit code").isZero();
            }
            sampling.set(false);
            sampler.join(10_000);
        } finally {
            sampling.set(false);
            threads.shutdownNow();
            for (ChildJvm child : children) {
                child.close();
            }
            lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }

        assertThat(subsets).as("owners seen holding a set of names that no multi-lock asked for (a part of one)").isEmpty();
        assertThat(busySamples.get()).as("snapshots that saw a holder: the check looked while locks were held").isPositive();
        for (String name : names) {
            long expected = 0;
            for (int i = 0; i < sets.size(); i++) {
                if (sets.get(i).contains(name)) {
                    expected += i < 2 ? childRounds : threadRounds;
                }
            }
            assertThat(Long.parseLong((String) redis.call("GET", MultiLockWorkerProcess.counterOf(name))))
                    .as("increments of %s under the multi-locks that name it: none lost to an overlap", name)
                    .isEqualTo(expected);
        }
    }

    @Test
    void aMultiLockExcludesPlainHoldersOfEachNameAndIsExcludedByThem(RedisServer redis) {
        LockClient first = clients.connect(redis);
        LockClient second = clients.connect(redis);
        DistributedLock multi = second.multiLock("x:a", "x:b");

        try (Lease plain = first.lock("x:b").acquire(Duration.ZERO)) {
            assertThat(multi.tryAcquire()).as("refused while one of its names is held").isEmpty();
            assertThat(multi.isLocked()).isTrue();
            assertThat(redis.call("EXISTS", "fencelock:{x:a}")).as("the free name is not kept").isEqualTo(0L);
        }
        try (Lease lease = multi.acquire(Duration.ZERO)) {
            assertThat(first.lock("x:a").tryAcquire()).isEmpty();
            assertThat(first.lock("x:b").tryAcquire()).isEmpty();
            assertThat(first.fairLock("x:a").tryAcquire()).isEmpty();
            assertThat(first.readWriteLock("x:b").readLock().tryAcquire()).isEmpty();
            assertThat(first.multiLock("x:b", "x:c").tryAcquire()).as("another multi-lock sharing a name").isEmpty();
            assertThat(redis.call("EXISTS", "fencelock:{x:c}")).isEqualTo(0L);
            try (Lease other = first.multiLock("x:c", "x:d").acquire(Duration.ZERO)) {
                assertThat(other.isValid()).as("a multi-lock over other names").isTrue();
            }
        }
        assertThat(multi.isLocked()).isFalse();
        first.lock("x:a").acquire(Duration.ZERO).close();
        assertThatThrownBy(() -> first.multiLock("x:a", "x:{b}")).as("a name the Redis store cannot hold")
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("names[1]: name must not contain '{'");
    }

    @Test
    void itsOneTokenIsGreaterThanEveryEarlierTokenOfEachNameAndLessThanEveryLaterOne(RedisServer redis) {
        LockClient client = clients.connect(redis);
        long earlierA = tokenOf(client.lock("t:a").acquire(Duration.ZERO));
        long earlierB = 0;
        for (int i = 0; i < 3; i++) {
            earlierB = tokenOf(client.lock("t:b").acquire(Duration.ZERO));
        }
        long token;
        try (Lease lease = client.multiLock("t:a", "t:b", "t:c").acquire(Duration.ZERO)) {
            token = lease.fencingToken();
            assertThat(token).isGreaterThan(earlierA).isGreaterThan(earlierB);
            for (String name : List.of("t:a", "t:b", "t:c")) {
                assertThat(client.admin().inspect(name).lastFencingToken())
                        .as("the counter of %s, advanced to the multi-lock's token", name).hasValue(token);
            }
        }
        assertThat(tokenOf(client.lock("t:a").acquire(Duration.ZERO))).isGreaterThan(token);
        assertThat(tokenOf(client.fairLock("t:b").acquire(Duration.ZERO))).isGreaterThan(token);
        try (Lease reader = client.readWriteLock("t:c").readLock().acquire(Duration.ZERO)) {
            assertThat(reader.fencingToken()).isGreaterThan(token);
        }
    }

    @Test
    void anAcquireSentAgainFindsItsOwnGrantOfEveryNameAndIsGrantedAgain(RedisServer redis) {
        RedisStore store = TestClients.store(clients.connect(redis));
        List<String> names = List.of("s:a", "s:b");
        Duration lease = Duration.ofSeconds(60);
        long first = grantedToken(store.acquireAll(names, "fl-resent", lease, true).join(), "the acquire");
        // A while passes before Lettuce re-sends the acquire, whose reply a disconnect cut off.
        redis.call("PEXPIRE", "fencelock:{s:b}", "5000");

        Attempt again = store.acquireAll(names, "fl-resent", lease, true).join();

        assertThat(grantedToken(again, "the same acquire again, finding the keys its first run took")).isGreaterThan(first);
        assertThat((Long) redis.call("PTTL", "fencelock:{s:b}")).as("the key's expiry, moved to a whole lease")
                .isGreaterThan(5000L);
        assertThat(store.acquireAll(List.of("s:b", "s:c"), "fl-other", lease, false).join())
                .as("another multi-lock sharing a name").isInstanceOf(Attempt.Refused.class);
        assertThat(store.releaseAll(names, "fl-resent").join().found()).isEqualTo(Released.Finding.OURS);
    }

    @Test
    void losingOneNameLosesTheLeaseAndFreesTheOthers(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        Lease lease = client.multiLock("l:a", "l:b", "l:c")
                .acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        redis.call("DEL", "fencelock:{l:b}");

        LockLostException lost = lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(lost.reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(lease::checkValid).isInstanceOf(LockLostException.class);
        Poll.until("the names still held for the lost lease freed", Duration.ofSeconds(10),
                () -> redis.call("EXISTS", "fencelock:{l:a}").equals(0L) && redis.call("EXISTS", "fencelock:{l:c}").equals(0L));
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    @Test
    void forceReleasingOneNameLosesTheLease(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        DistributedLock multi = client.multiLock(LeaseOptions.renewing(Duration.ofSeconds(2)), "f:a", "f:b");
        multi.lock();
        Optional<LockInfo> released = clients.connect(redis).admin().forceRelease("f:a");
        assertThat(released).as("the operator saw the holder of f:a").isPresent();
        Poll.until("the lease lost", Duration.ofSeconds(10), () -> !multi.isHeldByCurrentThread());
        assertThatThrownBy(multi::unlock).isInstanceOf(LockLostException.class);
    }

    @Test
    void theWatchdogRenewsEveryNameInOneCall(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        List<Integer> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        client.addListener(new LockEvents() {
            @Override
            public void renewalCompleted(int leases, Duration roundTrip, boolean answered) {
                calls.add(leases);
            }
        });
        try (Lease lease = client.multiLock("r:a", "r:b", "r:c", "r:d", "r:e")
                .acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofMillis(1500)))) {
            // Renewed every 0.5 s, each with a second to be answered.
            Poll.until("two renewals", Duration.ofSeconds(10), () -> calls.size() >= 2);
            assertThat(calls).as("names renewed per call").allMatch(names -> names == 5);
            assertThat(lease.isValid()).isTrue();
        }
    }

    @Test
    void aWaiterIsWokenByTheReleaseOfTheNameThatRefusedItAndHoldsNothingMeanwhile(RedisServer redis) throws Exception {
        LockClient holder = clients.connect(redis);
        LockClient waiter = clients.connectWithoutTimers(redis);
        Lease plain = holder.lock("w:b").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(60)));
        CompletableFuture<Lease> waiting = waiter.multiLock("w:a", "w:b", "w:c").acquireAsync(Duration.ofSeconds(20));
        Poll.throughout(Duration.ofMillis(500), () -> {
            assertThat(waiting).as("the multi-lock waits while w:b is held").isNotDone();
            assertThat(redis.call("EXISTS", "fencelock:{w:a}", "fencelock:{w:c}")).as("names kept while waiting").isEqualTo(0L);
        });
        plain.close();
        // The key had 60 s to live, and the waiter tries again on its own after 20 s (at the end of its
        // wait): only the release can wake it within 10 s.
        try (Lease lease = waiting.get(10, TimeUnit.SECONDS)) {
            assertThat(lease.fencingToken()).isGreaterThan(plain.fencingToken());
        }
    }

    @Test
    void theLockViewIsReentrantAndTheOperatorSeesEveryNameHeld(RedisServer redis) {
        LockClient client = clients.connect(redis);
        DistributedLock multi = client.multiLock("v:a", "v:b");
        multi.lock();
        try {
            assertThat(multi.tryLock()).isTrue();
            assertThat(multi.holdCount()).isEqualTo(2);
            multi.unlock();
            List<LockInfo> held = client.admin().list("v:*", 10);
            assertThat(held).extracting(LockInfo::name).containsExactlyInAnyOrder("v:a", "v:b");
            assertThat(held).extracting(LockInfo::holder).as("one holder of both").containsOnly(held.get(0).holder());
            assertThat(held).extracting(LockInfo::lastFencingToken).containsOnly(held.get(0).lastFencingToken());
        } finally {
            multi.unlock();
        }
        assertThat(multi.isHeldByCurrentThread()).isFalse();
        assertThat(client.admin().list("v:*", 10)).isEmpty();
    }

    @Test
    void aFixedLeaseIsExtendedOnEveryNameAndReleasedAfterAPauseOnEveryName(RedisServer redis) {
        LockClient client = clients.connect(redis);
        Lease lease = client.multiLock("e:a", "e:b").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(5)));
        assertThat(lease.extend(Duration.ofSeconds(60))).isTrue();
        for (String key : List.of("fencelock:{e:a}", "fencelock:{e:b}")) {
            assertThat((Long) redis.call("PTTL", key)).as("time left of %s after the extension", key).isGreaterThan(5_000L);
        }
        // Long enough that both reads below fit in it on a busy machine.
        assertThat(lease.releaseAfter(Duration.ofSeconds(1))).isEqualTo(ReleaseOutcome.RELEASED);
        for (String key : List.of("fencelock:{e:a}", "fencelock:{e:b}")) {
            assertThat((Long) redis.call("PTTL", key)).as("time left of %s, kept after the release", key)
                    .isBetween(1L, 1000L);
        }
    }

    @Test
    void anAcquisitionFailsFastWhenRedisIsDown() {
        RedisServer own = RedisServer.start();
        try {
            DistributedLock multi = clients.connect(own).multiLock("d:a", "d:b");
            multi.acquire(Duration.ZERO).close();
            own.kill();
            assertThatThrownBy(() -> multi.acquire(Duration.ofSeconds(30))).isInstanceOf(LockUnavailableException.class);
        } finally {
            own.close();
        }
    }

    /** The lease's token, once released. */
    private static long tokenOf(Lease lease) {
        try (lease) {
            return lease.fencingToken();
        }
    }

    private static String[] concat(String first, String second, String third, String[] rest) {
        List<String> all = new ArrayList<>(List.of(first, second, third));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    @Test
    void aThreadHoldingAMultiLockIsRefusedAtOnceAPlainLockOfOneOfItsNames(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        DistributedLock multi = client.multiLock("r:a", "r:b");
        multi.lock();
        try {
            assertThatThrownBy(() -> client.lock("r:a").tryLock(2, TimeUnit.SECONDS))
                    .as("as lock(\"r:a\") then multiLock(\"r:a\", \"r:b\") is: it would wait for its own lease")
                    .isInstanceOf(IllegalMonitorStateException.class);
        } finally {
            multi.unlock();
        }
    }

    @Test
    void aThreadHoldingAMultiLockIsRefusedAtOnceTheSameNamesInAnotherOrder(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        DistributedLock multi = client.multiLock("r:c", "r:d");
        multi.lock();
        try {
            assertThatThrownBy(() -> client.multiLock("r:d", "r:c").tryLock(2, TimeUnit.SECONDS))
                    .as("the same names, another order: another local lock, so no reentry, and it waits for itself")
                    .isInstanceOf(IllegalMonitorStateException.class);
        } finally {
            multi.unlock();
        }
    }
}
