package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedReadWriteLock;
import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockAdmin;
import dev.fencelock.LockClient;
import dev.fencelock.LockInfo;
import dev.fencelock.LockLostException;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Operators see who holds what, list held locks with SCAN, and break glass. */
@RedisTest
class LockAdminIT {
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void aReleaseNamingAHolderDeletesTheLockOnlyWhileThatHolderHoldsIt(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        LockAdmin admin = clients.connect(redis).admin();
        Lease first = client.lock("guarded").acquire(Duration.ZERO);
        String seen = admin.inspect("guarded").holder().orElseThrow();
        first.close();

        // Another holder took the lock after the operator looked: it is left alone.
        try (Lease second = client.lock("guarded").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)))) {
            assertThat(admin.forceRelease("guarded", seen)).as("a release naming the holder seen before").isEmpty();
            assertThat(redis.call("EXISTS", "fencelock:{guarded}")).as("the second holder's key").isEqualTo(1L);

            String now = admin.inspect("guarded").holder().orElseThrow();
            assertThat(admin.forceRelease("guarded", now.substring(0, 4))).as("fewer characters than status shows").isEmpty();
            String token = (String) redis.call("GET", "fencelock:{guarded}");
            assertThat(admin.forceRelease("guarded", token)).as("the whole owner token, with its prefix")
                    .hasValueSatisfying(info -> assertThat(info.holder()).hasValue(now));
            assertThat(redis.call("EXISTS", "fencelock:{guarded}")).as("the key of the holder named").isEqualTo(0L);
            assertThat(second.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                    .isEqualTo(LockLostException.Reason.KEY_GONE);
        }

        // A foreign holder's value may begin alike for all its holders: only the whole value names it.
        String foreign = "ADDED:2026-12-05T13:30:00.000Z@web-3";
        redis.call("SET", "fencelock:{foreign}", foreign, "PX", "30000");
        assertThat(admin.forceRelease("foreign", foreign.substring(0, 8))).as("a foreign value's first 8 characters").isEmpty();
        assertThat(admin.forceRelease("foreign", foreign)).as("a foreign value, whole").isPresent();
        assertThat(redis.call("EXISTS", "fencelock:{foreign}")).isEqualTo(0L);

        // Readers have no holder to name: left alone, whatever the name.
        try (Lease reader = client.readWriteLock("shared").readLock().acquire(Duration.ZERO)) {
            String member = String.valueOf(((List<?>) redis.call("ZRANGE", "fencelock:{shared}:readers", "0", "0")).get(0));
            assertThat(admin.forceRelease("shared", member.substring("fl-".length()))).isEmpty();
            assertThat(reader.isValid()).isTrue();
        }
        assertThatThrownBy(() -> admin.forceRelease("guarded", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holder");
    }

    @Test
    void inspectShowsTheHolderItsRemainingLeaseAndTheLastToken(RedisServer redis) {
        LockClient client = clients.connect(redis);
        LockAdmin admin = client.admin();
        assertThat(admin.inspect("report").isHeld()).isFalse();

        try (Lease lease = client.lock("report").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(20)))) {
            LockInfo info = admin.inspect("report");
            assertThat(info.holder()).hasValueSatisfying(h -> assertThat(h).matches("[0-9a-f]{8}"));
            assertThat(((String) redis.call("GET", "fencelock:{report}"))).startsWith("fl-" + info.holder().orElseThrow());
            assertThat(info.remaining()).hasValueSatisfying(r -> assertThat(r).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(20)));
            assertThat(info.lastFencingToken()).hasValue(lease.fencingToken());
        }
        LockInfo free = admin.inspect("report");
        assertThat(free.isHeld()).isFalse();
        assertThat(free.remaining()).isEmpty();
        assertThat(free.lastFencingToken()).as("the counter outlives the lease").isPresent();
    }

    @Test
    void listFindsHeldLocksByPattern(RedisServer redis) {
        LockClient client = clients.connect(redis);
        try (Lease a = client.lock("jobs:nightly").acquire(Duration.ZERO);
                Lease b = client.lock("jobs:hourly").acquire(Duration.ZERO);
                Lease c = client.lock("orders:42").acquire(Duration.ZERO)) {
            redis.resetStats();
            assertThat(client.admin().list("jobs:*", 100)).extracting(LockInfo::name)
                    .containsExactlyInAnyOrder("jobs:nightly", "jobs:hourly");
            // KEYS would block a production server for as long as it walks every key.
            assertThat(redis.commandCalls()).as("commands of the listing").containsKey("scan").doesNotContainKey("keys");
            assertThat(client.admin().list("*", 100)).hasSize(3);
            assertThat(client.admin().list("*", 1)).hasSize(1);
        }
        assertThat(client.admin().list("*", 100)).as("free locks are not listed").isEmpty();
        assertThatThrownBy(() -> client.admin().list("*", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limit must be between 1 and 100000, was 0");
    }

    @Test
    void heldPermitsAreSeenAndListedBesideTheFreeLockOfTheName(RedisServer redis) {
        DistributedSemaphore semaphore = clients.connect(redis).semaphore("partners", 3);
        LockAdmin admin = clients.connect(redis).admin();
        try (Lease first = semaphore.acquire(Duration.ZERO); Lease second = semaphore.acquire(Duration.ZERO)) {
            LockInfo info = admin.inspect("partners");
            assertThat(info.permits()).as("permits held").isEqualTo(2);
            assertThat(info.holder()).as("the lock of the name is not held").isEmpty();
            assertThat(info.isHeld()).isTrue();
            assertThat(info.lastFencingToken()).hasValue(second.fencingToken());
            assertThat(admin.list("partn*", 10)).extracting(LockInfo::name).containsExactly("partners");
        }
        assertThat(admin.inspect("partners").permits()).as("permits held after the releases").isZero();
        assertThat(admin.list("partn*", 10)).as("a semaphore whose count alone is left is not listed").isEmpty();
    }

    @Test
    void readersAreSeenListedAndForceReleasedLikeAnyHolder(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        DistributedReadWriteLock lock = client.readWriteLock("shared");
        // 2 s leases: a renewal that finds the lease gone has 1.3 s to be answered before it runs out (EXPIRED).
        Lease first = lock.readLock().acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        Lease second = lock.readLock().acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        LockAdmin admin = clients.connect(redis).admin();

        LockInfo info = admin.inspect("shared");
        assertThat(info.isHeld()).isTrue();
        assertThat(info.holder()).as("no exclusive holder").isEmpty();
        assertThat(info.readers()).isEqualTo(2);
        assertThat(info.lastFencingToken()).hasValue(second.fencingToken());
        assertThat(admin.list("shar*", 10)).extracting(LockInfo::name).containsExactly("shared");

        assertThat(admin.forceRelease("shared")).hasValueSatisfying(removed -> assertThat(removed.readers()).isEqualTo(2));
        assertThat(redis.call("EXISTS", "fencelock:{shared}:readers")).isEqualTo(0L);
        assertThat(first.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.KEY_GONE);
        assertThat(second.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.KEY_GONE);
        first.close();
        second.close();
        assertThat(admin.inspect("shared").isHeld()).isFalse();
    }

    @Test
    void forceReleaseRemovesTheHolderWhoIsToldItLostTheLease(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        // A 2 s lease, as above.
        Lease lease = client.lock("stuck").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));

        assertThat(clients.connect(redis).admin().forceRelease("stuck"))
                .hasValueSatisfying(removed -> assertThat(removed.name()).isEqualTo("stuck"));
        assertThat(redis.call("EXISTS", "fencelock:{stuck}")).isEqualTo(0L);
        assertThat(lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.KEY_GONE);
        lease.close();
        assertThat(client.admin().forceRelease("stuck")).isEmpty();
    }

    @Test
    void forceReleaseHandsAStuckLockToAWaitingClient(RedisServer redis) throws Exception {
        LockClient holder = clients.connect(redis);
        Lease stuck = holder.lock("stuck").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(5)));
        // Tries again on its own after 20 s: only the release's announcement wakes it within 5 s.
        LockClient waiter = clients.connectWithoutTimers(redis);
        var waiting = waiter.lock("stuck").acquireAsync(Duration.ofSeconds(30));
        Poll.until("the waiting client is queued", Duration.ofSeconds(5),
                () -> (Long) redis.call("ZCARD", "fencelock:{stuck}:waiters") == 1);

        assertThat(clients.connect(redis).admin().forceRelease("stuck")).isPresent();

        try (Lease taken = waiting.get(5, TimeUnit.SECONDS)) {
            assertThat(taken.fencingToken()).as("the waiter's token, after the stuck holder's")
                    .isGreaterThan(stuck.fencingToken());
        }
        stuck.close();
    }
}
