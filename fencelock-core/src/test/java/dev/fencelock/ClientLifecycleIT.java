package dev.fencelock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        RedisLockClient client = clients.connect(redis);
        Lease lease = client.lock("stalled").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(500)));
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
        waiter.close();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        held.close();
    }

    @Test
    void unlockAfterCloseReportsNothingLost(RedisServer redis) {
        LockClient client = RedisLocks.connect(redis.uri());
        DistributedLock lock = client.lock("closed-held");
        lock.lock();
        client.close();
        lock.unlock();
        assertThat(redis.call("EXISTS", "fencelock:{closed-held}")).isEqualTo(0L);
    }

    @Test
    void aGrantThatArrivesWhileTheClientClosesIsGivenBack(RedisServer redis) throws Exception {
        RedisLockClient client = clients.connect(redis);
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
        assertThat(held.release()).isEqualTo(ReleaseOutcome.RELEASED);
    }

    @Test
    void aThreadWhoseLeaseRanOutAcquiresAnew(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("ran-out");
        Lease first = lock.acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(200)));
        first.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (Lease second = lock.acquire(Duration.ofSeconds(5))) {
            assertThat(second.fencingToken()).as("a new acquisition, not a reentrant one").isGreaterThan(first.fencingToken());
            assertThat(first.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
            assertThat(second.isValid()).as("releasing the lost hold released nothing").isTrue();
        }
    }
}
