package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fixed lease is the holder's own upper bound: as short as the store's resolution, moved with
 * {@link Lease#extend}, and released with {@link Lease#releaseAfter} so that the lock stays taken a
 * while longer. Each only where the key still holds the lease's owner token.
 */
@RedisTest
class FixedLeaseIT {
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void aFixedLeaseShorterThanTheCommandTimeoutExpiresInRedisOnTime(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis); // command timeout 300 ms
        long askedAt = System.nanoTime();
        // Shorter than the command timeout, and yet long enough to be granted within it on a busy machine.
        Lease lease = client.lock("short").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(250)));

        long pttl = pttl(redis, "short");
        // Gone (-2) only once the lease could have run out; never without a time to live (-1).
        if (pttl == -2) {
            assertThat(Duration.ofNanos(System.nanoTime() - askedAt)).as("read after the key was gone").isGreaterThanOrEqualTo(Duration.ofMillis(250));
        } else {
            assertThat(pttl).as("the key's time to live, in ms").isBetween(0L, 250L);
        }
        Poll.until("the short lease's key expired", Duration.ofSeconds(5), () -> !exists(redis, "short"));
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    @Test
    void extendMovesTheKeysExpiryAndKeepsTheFencingToken(RedisServer redis) {
        LockClient client = clients.connect(redis);
        try (Lease lease = client.lock("job").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(2)))) {
            long token = lease.fencingToken();

            assertThat(lease.extend(Duration.ofMinutes(10))).isTrue();

            assertThat(pttl(redis, "job")).as("the key's time to live, in ms").isGreaterThan(Duration.ofMinutes(9).toMillis());
            assertThat(lease.remaining()).isGreaterThan(Duration.ofMinutes(9));
            assertThat(lease.fencingToken()).isEqualTo(token);

            assertThat(lease.extend(Duration.ofSeconds(1))).as("an extension may also shorten").isTrue();
            assertThat(pttl(redis, "job")).isBetween(0L, 1000L);
            assertThat(lease.remaining()).isLessThanOrEqualTo(Duration.ofSeconds(1));
        }
    }

    @Test
    void anExpiredLeaseIsNotExtendedAndIsReportedLost(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        // Long enough to be granted on a busy machine: a lease shorter than its round trip is given back.
        Lease lease = client.lock("expired").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(500)));
        Poll.until("the key expired", Duration.ofSeconds(5), () -> !exists(redis, "expired"));

        assertThat(lease.extend(Duration.ofSeconds(10))).isFalse();

        assertThat(lease.lost().toCompletableFuture().get().reason()).isIn(LockLostException.Reason.EXPIRED,
                LockLostException.Reason.KEY_GONE);
        assertThat(exists(redis, "expired")).as("nothing brought the key back").isFalse();
        lease.close();
    }

    @Test
    void releaseAfterKeepsTheLockTakenUntilThenAndThenFreesIt(RedisServer redis) throws Exception {
        LockClient client = clients.connect(redis);
        // Connected first: on a busy machine, connecting may take longer than the lock is kept.
        LockClient other = clients.connect(redis);
        // Tries again on its own every 300 ms (the command timeout).
        LockClient waiter = clients.connect(redis);
        Lease lease = client.lock("at-least").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(5)));
        CompletableFuture<Lease> waiting = waiter.lock("at-least").acquireAsync(Duration.ofSeconds(30));
        Poll.until("the waiter queued", Duration.ofSeconds(10),
                () -> (Long) redis.call("ZCARD", "fencelock:{at-least}:waiters") == 1);
        redis.resetStats();

        // Long enough that the checks below fit in it on a busy machine.
        assertThat(lease.releaseAfter(Duration.ofSeconds(3))).isEqualTo(ReleaseOutcome.RELEASED);

        assertThat(redis.commandCalls()).as("commands of the release: nothing announced").doesNotContainKey("publish");
        assertThat(pttl(redis, "at-least")).as("the key's time to live, in ms").isBetween(0L, 3000L);
        assertThat(lease.isValid()).as("released for its holder").isFalse();
        assertThat(other.lock("at-least").tryAcquire()).as("taken for everyone else").isEmpty();
        // Not woken by the release: it takes the lock at its next try after the key expired.
        waiting.get(10, TimeUnit.SECONDS).close();
        client.lock("at-least").acquire(Duration.ZERO).close();
    }

    @Test
    void neitherExtendNorReleaseAfterTouchesAnotherHoldersKey(RedisServer redis) {
        LockClient first = clients.connect(redis);
        LockClient second = clients.connect(redis);
        Lease extending = first.lock("taken").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(5)));
        Lease releasing = first.lock("taken2").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(5)));
        // Lost in a failover, say: the first holder still believes in its leases.
        redis.call("DEL", "fencelock:{taken}", "fencelock:{taken2}");
        try (Lease current = second.lock("taken").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(5)));
                Lease current2 = second.lock("taken2").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(5)))) {

            assertThat(extending.extend(Duration.ofMillis(1))).isFalse();
            assertThat(releasing.releaseAfter(Duration.ofMillis(1))).isEqualTo(ReleaseOutcome.ALREADY_LOST);

            assertThat(pttl(redis, "taken")).as("the new holder's key keeps its time").isGreaterThan(Duration.ofMinutes(4).toMillis());
            assertThat(pttl(redis, "taken2")).isGreaterThan(Duration.ofMinutes(4).toMillis());
            assertThat(extending.lost().toCompletableFuture().join().reason()).isEqualTo(LockLostException.Reason.OWNER_CHANGED);
            assertThat(current.isValid() && current2.isValid()).isTrue();
        }
        extending.close();
    }

    private static boolean exists(RedisServer redis, String name) {
        return (Long) redis.call("EXISTS", "fencelock:{" + name + "}") == 1;
    }

    private static long pttl(RedisServer redis, String name) {
        return (Long) redis.call("PTTL", "fencelock:{" + name + "}");
    }
}
