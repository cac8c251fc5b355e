package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mixed fleets: Fencelock and distlock-spec clients of other languages (redis-py, node-redlock),
 * each in a process of its own, on the same key of a server the test starts. They exclude each
 * other both ways, and a Fencelock waiter takes the lock soon after a foreign release, which
 * nobody announces, instead of when the foreign lease runs out. A client that cannot run on this
 * machine is reported skipped, with the reason.
 */
@RedisTest
class ForeignClientIT {
    /** Long enough that waiting it out, the behaviour before, misses the bound by seconds. */
    private static final Duration FOREIGN_TTL = Duration.ofSeconds(6);
    /** The bound, from the release the foreign client reports to the Fencelock waiter's grant. */
    private static final Duration HAND_OFF_BOUND = Duration.ofSeconds(1);
    private static final String KEY = "fencelock:{mixed}";

    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ForeignClient.class)
    void aWaiterTakesTheLockWithinASecondOfAForeignRelease(ForeignClient foreign, RedisServer redis) throws Exception {
        assumeRuns(foreign);
        // A waiter also tries once per command timeout, to stay alive in the waiter queue: as long
        // as the foreign lease here, so that only what this test is about can beat the bound.
        LockEngine client = clients.connect(redis, options -> options.commandTimeout(FOREIGN_TTL));
        DistributedLock lock = client.lock("mixed");
        try (ForeignClient.Lock theirs = foreign.start(redis.port(), KEY, FOREIGN_TTL)) {
            theirs.hold();
            assertThat(lock.tryAcquire()).as("Fencelock is excluded while %s holds", foreign).isEmpty();
            CompletableFuture<Lease> waiting = lock.acquireAsync(FOREIGN_TTL.multipliedBy(3));
            CompletableFuture<Long> grantedAt = waiting.thenApply(lease -> wallClockMicros());
            awaitRetryAfterWatching(redis, TestClients.store(client).servers().waiterTtl());
            assertThat(waiting).as("Fencelock still waits while %s holds", foreign).isNotDone();

            long releaseSentAt = wallClockMicros();
            long releasedAt = theirs.release();

            try (Lease lease = waiting.get(FOREIGN_TTL.multipliedBy(3).toSeconds(), TimeUnit.SECONDS)) {
                long granted = grantedAt.join();
                assertThat(granted).as("granted after %s was asked to release", foreign).isGreaterThanOrEqualTo(releaseSentAt);
                assertThat(Duration.of(granted - releasedAt, ChronoUnit.MICROS))
                        .as("from %s's release to the Fencelock waiter's grant, under a %s foreign lease", foreign, FOREIGN_TTL)
                        .isLessThan(HAND_OFF_BOUND);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ForeignClient.class)
    void aForeignClientIsExcludedWhileFencelockHoldsAndTakesTheLockAfterItsRelease(ForeignClient foreign, RedisServer redis)
            throws Exception {
        assumeRuns(foreign);
        DistributedLock lock = clients.connect(redis).lock("mixed");
        try (ForeignClient.Lock theirs = foreign.start(redis.port(), KEY, FOREIGN_TTL)) {
            try (Lease lease = lock.acquire(Duration.ZERO)) {
                assertThat(theirs.tryHold()).as("%s is excluded while Fencelock holds", foreign).isFalse();
            }
            assertThat(theirs.tryHold()).as("%s takes the lock once Fencelock released it", foreign).isTrue();
            assertThat(lock.tryAcquire()).as("Fencelock is excluded while %s holds", foreign).isEmpty();
            theirs.release();
        }
    }

    /**
     * Waits until the Fencelock waiter has tried again after it began to watch for releases, the
     * try after which it waits: the deadline its last try set in the queue has moved past the one of
     * its first try (the queue keeps the first arrival, on the server's clock in µs).
     */
    private static void awaitRetryAfterWatching(RedisServer redis, Duration waiterTtl) throws InterruptedException {
        double ttlMicros = TimeUnit.NANOSECONDS.toMicros(waiterTtl.toNanos());
        Poll.until("a second try of the Fencelock waiter", Duration.ofSeconds(10), () -> {
            @SuppressWarnings("unchecked")
            List<Object> waiters = (List<Object>) redis.call("ZRANGE", KEY + ":waiters", "0", "-1", "WITHSCORES");
            if (waiters.size() != 2) {
                return false;
            }
            Object deadline = redis.call("ZSCORE", KEY + ":waiter-deadlines", String.valueOf(waiters.get(0)));
            return deadline != null && score(deadline) - ttlMicros > score(waiters.get(1));
        });
    }

    private static double score(Object reply) {
        return Double.parseDouble(String.valueOf(reply));
    }

    private static void assumeRuns(ForeignClient foreign) {
        foreign.unavailable().ifPresent(reason -> Assumptions.abort(foreign + " cannot run here: " + reason));
    }

    /** The clock the foreign clients report their release on: the one wall clock of this machine. */
    private static long wallClockMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
