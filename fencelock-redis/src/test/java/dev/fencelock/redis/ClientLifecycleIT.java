package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Edges of a lease's and a client's life: timeouts in release, continuations, close, expiry. */
@RedisTest
class ClientLifecycleIT {
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void aReleaseThatTimesOutDoesNotBlockTheNextAcquisition(RedisServer redis) throws Exception {
        LockEngine client = clients.connect(redis);
        Lease lease = client.lock("stalled").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(1)));
        redis.pause();
        try {
            assertThatThrownBy(lease::close).isInstanceOf(LockUnavailableException.class);
        } finally {
            redis.resume();
        }
        try (Lease next = client.lock("stalled").acquire(Duration.ofSeconds(5))) {
            assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
        }
    }

    @Test
    void aReleaseSentAgainAfterALostReplyTellsAKeyItDeletedFromAKeyThatHadExpired(RedisServer redis) throws Exception {
        // Each step below has a second of margin on a loaded machine.
        Duration timeout = Duration.ofSeconds(2);
        Duration frozenFor = timeout.multipliedBy(3).dividedBy(2);
        LockEngine client = clients.connect(redis, options -> options.commandTimeout(timeout));

        // Redis is frozen during the release: the first reply is lost, and the release is sent
        // again. Redis comes back after the first timed out, before the second does: it runs both.
        Lease kept = client.lock("retried").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(10)));
        assertThat(releaseWhileFrozen(redis, kept, frozenFor))
                .as("the first release deleted the key; the second finds it gone").isEqualTo(ReleaseOutcome.RELEASED);
        assertThat(kept.lost()).as("a lease released in time was not lost").isNotDone();

        // The same, but the key expires while Redis is frozen: the lease was lost before its release.
        Duration lease = Duration.ofSeconds(5);
        Lease expiring = client.lock("retried").acquire(Duration.ZERO, LeaseOptions.fixed(lease));
        long acquiredAt = System.nanoTime();
        Poll.until("0.7 of the lease gone", Duration.ofSeconds(10), () -> System.nanoTime() - acquiredAt > 3_500_000_000L);
        // Frozen from 3.5 s: the key expires at 5 s, the first release times out at 5.5 s, Redis
        // comes back at 6.5 s, and the second release's reply arrives before its timeout (7.5 s).
        assertThat(releaseWhileFrozen(redis, expiring, frozenFor))
                .as("the key had expired: neither release deleted it").isEqualTo(ReleaseOutcome.ALREADY_LOST);
        assertThat(expiring.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.KEY_GONE);
    }

    /** Releases {@code lease} while Redis is frozen, and thaws Redis {@code frozenFor} after the release began. */
    private static ReleaseOutcome releaseWhileFrozen(RedisServer redis, Lease lease, Duration frozenFor) throws Exception {
        CompletableFuture<ReleaseOutcome> outcome = new CompletableFuture<>();
        Thread releasing = new Thread(() -> {
            try {
                outcome.complete(lease.release());
            } catch (Throwable e) {
                outcome.completeExceptionally(e);
            }
        }, "releasing");
        redis.pause();
        try {
            long startedAt = System.nanoTime();
            releasing.start();
            Poll.until("Redis frozen for " + frozenFor, frozenFor.plusSeconds(5),
                    () -> System.nanoTime() - startedAt > frozenFor.toNanos());
        } finally {
            redis.resume();
        }
        return outcome.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aLeaseCanBeReleasedInsideAnAcquireAsyncContinuation(RedisServer redis) throws Exception {
        Lease held = clients.connect(redis).lock("async").acquire(Duration.ZERO);
        // Attached while the acquisition waits, so the continuation runs where the future completes.
        CompletableFuture<String> thread = clients.connect(redis).lock("async").acquireAsync(Duration.ofSeconds(10))
                .thenApply(lease -> {
                    assertThat(lease.release()).isEqualTo(ReleaseOutcome.RELEASED);
                    return Thread.currentThread().getName();
                });
        held.close();
        assertThat(thread.get(10, TimeUnit.SECONDS)).as("a callback thread, never an event loop").startsWith("fencelock-callback");
    }

    @Test
    void aFailedAcquireAsyncIsDeliveredOnACallbackThread(RedisServer redis) throws Exception {
        Lease held = clients.connect(redis).lock("busy-async").acquire(Duration.ZERO);
        String thread = clients.connect(redis).lock("busy-async").acquireAsync(Duration.ofMillis(50))
                .handle((lease, error) -> {
                    assertThat(error).hasCauseInstanceOf(LockTimeoutException.class);
                    return Thread.currentThread().getName();
                })
                .get(10, TimeUnit.SECONDS);
        assertThat(thread).as("never the JDK's timer thread or an event loop")
                .doesNotStartWith("lettuce").doesNotContain("Delay");
        held.close();
    }

    @Test
    void closingTheClientFailsItsWaitingAcquisitions(RedisServer redis) throws Exception {
        Lease held = clients.connect(redis).lock("closing").acquire(Duration.ZERO);
        LockClient waiter = RedisLocks.connect(redis.uri());
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                waiter.lock("closing").lock();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        thread.start();
        DistributedLockIT.awaitSubscribers(redis, "fencelock:{closing}:released", 1);
        // Its try after subscribing queues it: closed before that try lands, the queue entry could
        // land after the holder's release below, and outlive the test.
        Poll.until("the waiter queued", Duration.ofSeconds(10),
                () -> (Long) redis.call("ZCARD", "fencelock:{closing}:waiters") == 1);
        waiter.close();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        held.close();
    }

    @Test
    void unlockAfterCloseThrowsTheLossThatCloseSignalled(RedisServer redis) {
        LockClient client = RedisLocks.connect(redis.uri());
        DistributedLock lock = client.lock("closed-held");
        lock.lock();
        client.close();
        assertThatThrownBy(lock::unlock).isInstanceOf(LockLostException.class)
                .extracting(e -> ((LockLostException) e).reason()).isEqualTo(LockLostException.Reason.CLIENT_CLOSED);
        assertThat(redis.call("EXISTS", "fencelock:{closed-held}")).isEqualTo(0L);
        assertThatThrownBy(lock::unlock).as("the hold is gone").isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void aGrantThatArrivesWhileTheClientClosesIsGivenBack(RedisServer redis) throws Exception {
        LockEngine client = clients.connect(redis);
        Lease held = client.lock("closing-held").acquire(Duration.ZERO);
        Thread closer = new Thread(client::close, "closer");
        redis.pause();
        try {
            // Sent before close() sends its release of the held lease: Redis grants it first.
            CompletableFuture<Lease> late = client.lock("closing-late").acquireAsync(Duration.ofSeconds(30));
            closer.start();
            Poll.until("close() failed the acquisition in flight", Duration.ofSeconds(5), late::isDone);
        } finally {
            redis.resume();
        }
        closer.join(TimeUnit.SECONDS.toMillis(10));

        // Without the give-back the key would stay for its whole lease (30 s), unrenewed.
        Poll.until("the late grant given back", Duration.ofSeconds(5),
                () -> Long.valueOf(0).equals(redis.call("EXISTS", "fencelock:{closing-late}")));
        assertThat(redis.call("EXISTS", "fencelock:{closing-held}")).as("the held lease, released by close()").isEqualTo(0L);
        assertThat(held.release()).as("taken away by close()").isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    @Test
    void aThreadWhoseLeaseRanOutAcquiresAnew(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("ran-out");
        Lease first = lock.acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(1)));
        first.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (Lease second = lock.acquire(Duration.ofSeconds(5))) {
            assertThat(second.fencingToken()).as("a new acquisition, not a reentrant one").isGreaterThan(first.fencingToken());
            assertThat(first.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
            assertThat(second.isValid()).as("releasing the lost hold released nothing").isTrue();
        }
    }
}
