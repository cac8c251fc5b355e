package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.LockClient;
import dev.fencelock.LockEvents;
import dev.fencelock.LockLostException;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry's locks as java.util.concurrent locks, on a real server. */
@RedisTest
class FencelockLockRegistryIT {
    private RedisServer redis;
    private LockClient client;
    private FencelockLockRegistry registry;

    @BeforeEach
    void connect(RedisServer redis) {
        this.redis = redis;
        client = RedisLocks.connect(RedisLockOptions.builder(redis.uri())
                .defaultLease(Duration.ofMillis(1500)).commandTimeout(Duration.ofMillis(300)).build());
        registry = new FencelockLockRegistry(client);
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void aLockIsReentrantPerThreadAndOnlyItsHolderMayUnlockIt() throws Exception {
        Lock lock = registry.obtain("orders");
        lock.lock();
        assertThat(registry.obtain("orders").tryLock()).as("again, on the holding thread, through another obtain").isTrue();

        CompletableFuture<Boolean> otherTry = CompletableFuture.supplyAsync(() -> registry.obtain("orders").tryLock());
        assertThat(otherTry.get(10, TimeUnit.SECONDS)).as("another thread's try").isFalse();
        CompletableFuture<Void> otherUnlock = CompletableFuture.runAsync(() -> registry.obtain("orders").unlock());
        assertThat(otherUnlock).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingRootCause().isInstanceOf(IllegalMonitorStateException.class);

        lock.unlock();
        assertThat(redis.call("EXISTS", "fencelock:{orders}")).as("the key after the first of two unlocks").isEqualTo(1L);
        lock.unlock();
        assertThat(redis.call("EXISTS", "fencelock:{orders}")).as("the key after the last unlock").isEqualTo(0L);
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void aThreadWhoseLeaseWasTakenOverIsRefusedItsNextTryAndHoldsNothingAfterwards() throws Exception {
        Lock lock = registry.obtain("import");
        lock.lock();
        redis.call("SET", "fencelock:{import}", "someone-else");

        // A further hold while the lease looks valid; refused once the watchdog found the key taken.
        Poll.until("a try refused after the loss", Duration.ofSeconds(10), () -> !registry.obtain("import").tryLock());

        assertThatThrownBy(lock::unlock).as("unlock after tryLock ended the holds")
                .isInstanceOf(IllegalMonitorStateException.class);
        assertThat(redis.call("GET", "fencelock:{import}")).as("the other owner's key, untouched").isEqualTo("someone-else");
    }

    @Test
    void aLostLeaseMakesUnlockThrowTheLoss() throws Exception {
        Lock lock = registry.obtain("report");
        lock.lock();
        CompletableFuture<LockLostException> lost = new CompletableFuture<>();
        client.addListener(new LockEvents() {
            @Override
            public void leaseLost(String name, LockLostException.Reason reason) {
                lost.complete(null);
            }
        });
        redis.call("DEL", "fencelock:{report}");
        lost.get(10, TimeUnit.SECONDS);

        assertThatThrownBy(lock::unlock).isInstanceOf(LockLostException.class)
                .hasFieldOrPropertyWithValue("reason", LockLostException.Reason.KEY_GONE);
        assertThat(lock.tryLock()).as("a fresh try after the loss was reported").isTrue();
        lock.unlock();
    }

    @Test
    void aKeyThatIsNoLockNameIsRefusedWhenObtained() {
        assertThatThrownBy(() -> registry.obtain("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    }
}
