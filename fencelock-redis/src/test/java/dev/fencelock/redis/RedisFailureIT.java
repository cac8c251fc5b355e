package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When Redis is down or refuses us, calls fail with LockUnavailableException, in bounded time, without secrets. */
@RedisTest
class RedisFailureIT {
    private final TestClients clients = new TestClients();

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    @Test
    void acquireFailsWithinTheCommandTimeoutWhenRedisIsDown(RedisServer redis) {
        DistributedLock lock = clients.connect(redis).lock("down");
        redis.kill();

        Duration maxWait = Duration.ofSeconds(30);
        long start = System.nanoTime();
        assertThatThrownBy(() -> lock.acquire(maxWait))
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("Redis at 127.0.0.1:" + redis.port());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("failed instead of waiting out maxWait").isLessThan(maxWait);
        assertThatThrownBy(lock::lock).isInstanceOf(LockUnavailableException.class);
        assertThatThrownBy(lock::isLocked).isInstanceOf(LockUnavailableException.class);
    }

    @Test
    void aWaitingSemaphoreAcquisitionFailsWithinOneCommandTimeoutWhenRedisIsDown(RedisServer redis) {
        Duration commandTimeout = Duration.ofSeconds(2);
        DistributedSemaphore semaphore = clients.connect(redis, options -> options.commandTimeout(commandTimeout))
                .semaphore("down", 2);
        redis.kill();

        long start = System.nanoTime();
        assertThatThrownBy(() -> semaphore.acquire(Duration.ofSeconds(30)))
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("127.0.0.1:" + redis.port());
        // Its subscription, sent before its first try, is the call that fails; no try follows it.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("failed after the subscription alone")
                .isLessThan(commandTimeout.multipliedBy(7).dividedBy(4));
    }

    @Test
    void acquireWorksAgainOnceRedisIsBack(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("back");
        redis.kill();
        assertThatThrownBy(() -> lock.acquire(Duration.ZERO)).isInstanceOf(LockUnavailableException.class);
        redis.restart();
        // The client reconnects on its own schedule.
        Poll.until("an acquisition after the restart", Duration.ofSeconds(20), () -> acquiresNow(lock));
    }

    /**
     * Lettuce's own backoff doubles the pause between reconnects up to 30 s: after a 10 s outage its
     * next reconnect would come about 6 s after the server is back, every call failing until then.
     */
    @Test
    void aServerBackFromALongOutageIsUsedAgainWithinSeconds(RedisServer redis) throws Exception {
        DistributedLock lock = clients.connect(redis).lock("back");
        redis.kill();
        assertThatThrownBy(() -> lock.acquire(Duration.ZERO)).isInstanceOf(LockUnavailableException.class);
        // The outage itself, not a wait for an event: long enough for a backoff to grow past 8 s.
        Thread.sleep(10_000);
        redis.restart();

        Poll.until("an acquisition within 4 s of the restart", Duration.ofSeconds(4), () -> acquiresNow(lock));
    }

    /** Whether {@code lock} can be taken (and is given back) now; false while Redis does not answer. */
    private static boolean acquiresNow(DistributedLock lock) {
        try (Lease lease = lock.acquire(Duration.ZERO)) {
            return lease.isValid();
        } catch (LockUnavailableException e) {
            return false;
        }
    }

    @Test
    void connectingToNoServerFailsWithinTheConnectTimeout() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String uri = "redis://app:hunter2@127.0.0.1:" + port;
        assertThatThrownBy(() -> RedisLocks.connect(RedisLockOptions.builder(uri).connectTimeout(Duration.ofSeconds(1)).build()))
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageStartingWith("cannot connect to Redis at 127.0.0.1:" + port)
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void aWrongPasswordIsNamedAsTheCauseWithoutThePassword(RedisServer redis) {
        redis.call("CONFIG", "SET", "requirepass", "right-horse");
        try {
            String wrong = "redis://default:wrong-battery@127.0.0.1:" + redis.port();
            assertThatThrownBy(() -> RedisLocks.connect(RedisLockOptions.builder(wrong).connectTimeout(Duration.ofSeconds(2)).build()))
                    .isInstanceOf(LockUnavailableException.class)
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageNotContaining("wrong-battery")
                    .hasMessageNotContaining("right-horse");

            String right = "redis://default:right-horse@127.0.0.1:" + redis.port();
            try (LockClient client = RedisLocks.connect(right);
                    Lease lease = client.lock("acl").acquire(Duration.ZERO)) {
                assertThat(lease.isValid()).isTrue();
            }
        } finally {
            redis.call("AUTH", "right-horse");
            redis.call("CONFIG", "SET", "requirepass", "");
        }
    }

    @Test
    void aClosedClientRefusesWork(RedisServer redis) {
        LockClient client = clients.connect(redis);
        DistributedLock lock = client.lock("closed");
        client.close();
        assertThatThrownBy(() -> lock.acquire(Duration.ZERO))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void closingTheClientReleasesWhatItHolds(RedisServer redis) {
        LockClient client = clients.connect(redis);
        Lease lease = client.lock("held-at-close").acquire(Duration.ZERO);
        client.close();
        assertThat(redis.call("EXISTS", "fencelock:{held-at-close}")).isEqualTo(0L);
        lease.close();
    }
}
