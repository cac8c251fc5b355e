package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockEvents;
import dev.fencelock.LockLostException;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
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
    void aThreadThatEndsHoldingALockGivesItBackAtTheWatchdogsNextRenewal() throws Exception {
        Thread holder = new Thread(() -> {
            registry.obtain("ended").lock();
            registry.obtain("ended").lock();
        }, "ends-holding");
        holder.start();
        holder.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(holder.isAlive()).as("the holding thread, ended").isFalse();

        // Renewed for the client's whole life otherwise: this wait would time out.
        try (LockClient otherProcess = RedisLocks.connect(RedisLockOptions.builder(redis.uri()).build());
                Lease lease = otherProcess.lock("ended").acquire(Duration.ofSeconds(10))) {
            assertThat(lease.isValid()).as("the lock, taken by another process").isTrue();
        }
    }

    /** Lost, the lease is renewed no more, so no renewal sweeps it: the registry's next lock does. */
    @Test
    void aThreadThatEndsHoldingALostLeaseIsForgottenAtTheRegistrysNextLock() throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch lost = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            registry.obtain("lost-then-ended").lock();
            locked.countDown();
            awaitUninterruptibly(lost);
        }, "ends-holding-a-lost-lease");
        holder.start();
        assertThat(locked.await(10, TimeUnit.SECONDS)).as("locked by the thread").isTrue();
        loseTheLease("lost-then-ended", "DEL", "fencelock:{lost-then-ended}");
        lost.countDown();
        holder.join(TimeUnit.SECONDS.toMillis(10));
        WeakReference<Thread> ended = new WeakReference<>(holder);
        holder = null;

        Lock other = registry.obtain("other");
        other.lock();
        other.unlock();

        Poll.until("the ended thread, no longer kept by the registry", Duration.ofSeconds(10), () -> {
            System.gc();
            return ended.get() == null;
        });
    }

    /** The client outlives the context: it must not keep a closed registry, through its listener, for its whole life. */
    @Test
    void aClosedRegistryIsNoLongerKeptByTheClient() throws Exception {
        FencelockLockRegistry closed = new FencelockLockRegistry(client);
        Lock lock = closed.obtain("closed-registry");
        lock.lock();
        lock.unlock();
        closed.close();
        WeakReference<FencelockLockRegistry> collectable = new WeakReference<>(closed);
        closed = null;
        lock = null;

        Poll.until("the closed registry, collected", Duration.ofSeconds(10), () -> {
            System.gc();
            return collectable.get() == null;
        });
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aThreadWhoseLeaseWasTakenOverIsToldAtItsNextTryAndAtTheUnlockOfItsHold() throws Exception {
        Lock lock = registry.obtain("import");
        lock.lock();
        loseTheLease("import", "SET", "fencelock:{import}", "someone-else");

        // A try that answered true would hide the loss; one that answered false would leave the hold unexplained.
        assertThatThrownBy(() -> registry.obtain("import").tryLock()).as("a try on the lost lease")
                .isInstanceOf(LockLostException.class)
                .hasFieldOrPropertyWithValue("reason", LockLostException.Reason.OWNER_CHANGED);
        assertThatThrownBy(() -> lock.tryLock(1, TimeUnit.SECONDS)).as("a try with a time on the lost lease")
                .isInstanceOf(LockLostException.class);
        assertThatThrownBy(lock::unlock).as("the unlock of the hold taken before the loss")
                .isInstanceOf(LockLostException.class)
                .hasFieldOrPropertyWithValue("reason", LockLostException.Reason.OWNER_CHANGED);

        assertThatThrownBy(lock::unlock).as("an unlock with no hold left").isInstanceOf(IllegalMonitorStateException.class);
        assertThat(lock.tryLock()).as("a fresh try, while the other owner holds").isFalse();
        assertThat(redis.call("GET", "fencelock:{import}")).as("the other owner's key, untouched").isEqualTo("someone-else");
    }

    @Test
    void aLostLeaseMakesUnlockThrowTheLoss() throws Exception {
        Lock lock = registry.obtain("report");
        lock.lock();
        loseTheLease("report", "DEL", "fencelock:{report}");

        assertThatThrownBy(lock::unlock).isInstanceOf(LockLostException.class)
                .hasFieldOrPropertyWithValue("reason", LockLostException.Reason.KEY_GONE);
        assertThat(lock.tryLock()).as("a fresh try after the loss was reported").isTrue();
        lock.unlock();
    }

    @Test
    void anUnlockThatFindsTheKeyGoneBeforeTheWatchdogDidThrowsTheLoss() {
        Lock lock = registry.obtain("ledger");
        lock.lock();
        redis.call("DEL", "fencelock:{ledger}");

        // The release finds the key gone; should the watchdog find it first, between these lines,
        // the unlock throws the same loss.
        assertThatThrownBy(lock::unlock).isInstanceOf(LockLostException.class)
                .hasFieldOrPropertyWithValue("reason", LockLostException.Reason.KEY_GONE);
    }

    @Test
    void everyHoldOfALostLeaseThrowsTheLossAtItsUnlockAndTheNextLockStartsAfresh() throws Exception {
        // lock(); try { lock(); try { ... } finally { unlock(); } } finally { unlock(); }, the lease lost inside.
        Lock lock = registry.obtain("nested");
        lock.lock();
        lock.lock();
        loseTheLease("nested", "DEL", "fencelock:{nested}");

        assertThatThrownBy(lock::unlock).as("the inner unlock").isInstanceOf(LockLostException.class)
                .hasFieldOrPropertyWithValue("reason", LockLostException.Reason.KEY_GONE);
        // The loss again, not a confusing "does not hold" in its place: the outer hold was still the thread's.
        assertThatThrownBy(lock::unlock).as("the outer unlock").isInstanceOf(LockLostException.class)
                .hasFieldOrPropertyWithValue("reason", LockLostException.Reason.KEY_GONE);
        assertThatThrownBy(lock::unlock).as("an unlock with no hold left").isInstanceOf(IllegalMonitorStateException.class);

        lock.lock();
        assertThat(redis.call("EXISTS", "fencelock:{nested}")).as("the key of the fresh lock").isEqualTo(1L);
        lock.unlock();
        assertThat(redis.call("EXISTS", "fencelock:{nested}")).as("the key after its unlock").isEqualTo(0L);
    }

    @Test
    void lockWhileALostHoldRemainsTakesTheLockAnewAndTheLostHoldStillThrowsAtItsUnlock() throws Exception {
        Lock lock = registry.obtain("batch");
        lock.lock();
        loseTheLease("batch", "DEL", "fencelock:{batch}");

        lock.lock();
        assertThat(redis.call("GET", "fencelock:{batch}")).as("the owner token of the lease taken anew").isNotNull();
        assertThat(lock.tryLock()).as("a try on the lease taken anew").isTrue();
        lock.unlock();
        lock.unlock();
        assertThat(redis.call("EXISTS", "fencelock:{batch}")).as("the key after the new lease's holds are unlocked")
                .isEqualTo(0L);

        assertThatThrownBy(lock::unlock).as("the unlock of the hold taken before the loss")
                .isInstanceOf(LockLostException.class);
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void aContendedTryLockWithATimeWaitsAndIsGrantedOnceTheHolderUnlocks() throws Exception {
        try (LockClient otherProcess = RedisLocks.connect(RedisLockOptions.builder(redis.uri()).build())) {
            Lock held = new FencelockLockRegistry(otherProcess).obtain("queue");
            held.lock();
            Object holdersToken = redis.call("GET", "fencelock:{queue}");

            CompletableFuture<Object> waiter = CompletableFuture.supplyAsync(() -> {
                Lock lock = registry.obtain("queue");
                try {
                    if (!lock.tryLock(30, TimeUnit.SECONDS)) {
                        return "refused";
                    }
                } catch (InterruptedException e) {
                    throw new CompletionException(e);
                }
                try {
                    return redis.call("GET", "fencelock:{queue}");
                } finally {
                    lock.unlock();
                }
            });
            // Queued in Redis once its first try was refused: it waits there, not in a retry loop of ours.
            Poll.until("the waiter queued", Duration.ofSeconds(10),
                    () -> Long.valueOf(1).equals(redis.call("ZCARD", "fencelock:{queue}:waiters")));
            assertThat(waiter).as("the waiter while the holder holds").isNotDone();

            held.unlock();

            assertThat(waiter.get(10, TimeUnit.SECONDS)).as("the owner token the waiter held")
                    .isNotNull().isNotEqualTo("refused").isNotEqualTo(holdersToken);
            assertThat(redis.call("EXISTS", "fencelock:{queue}")).as("the key after the waiter's unlock").isEqualTo(0L);
        }
    }

    /** Runs {@code command} on the server and waits until the client reports the loss of the lease of {@code name}. */
    private void loseTheLease(String name, String... command) throws Exception {
        CompletableFuture<Void> lost = new CompletableFuture<>();
        LockEvents listener = new LockEvents() {
            @Override
            public void leaseLost(String lockName, LockLostException.Reason reason) {
                if (lockName.equals(name)) {
                    lost.complete(null);
                }
            }
        };
        client.addListener(listener);
        try {
            redis.call(command);
            lost.get(10, TimeUnit.SECONDS);
        } finally {
            client.removeListener(listener);
        }
    }

    @Test
    void aKeyThatIsNoLockNameIsRefusedWhenObtained() {
        assertThatThrownBy(() -> registry.obtain("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    }
}
