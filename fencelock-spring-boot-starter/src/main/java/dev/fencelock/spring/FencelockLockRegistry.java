package dev.fencelock.spring;

import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockEvents;
import dev.fencelock.LockInterruptedException;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.ReleaseOutcome;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * A Spring Integration {@link LockRegistry} on Fencelock: {@code obtain(key)} is the lock named
 * {@code String.valueOf(key)}, reentrant per thread like Spring's own registries, with the
 * client's renewing default lease.
 *
 * <p>A lease lost while a thread holds it is never taken back quietly, which would hide the gap
 * during which another process may have held the lock; as with the core's {@code Lock} view
 * ({@link dev.fencelock.DistributedLock}), its holds stay the thread's until it unlocks them:
 * <ul>
 *   <li>each {@code unlock()} of a hold on the lost lease throws the {@link LockLostException} and
 *       counts that hold down (the last one also deletes what may be left of the key, only where it
 *       is still this lease's); once every lost hold is unlocked, the next lock starts afresh;
 *   <li>meanwhile {@code lock()} and {@code lockInterruptibly()} acquire anew, as the core's view
 *       does: a new lease with a new fencing token, whose holds come off before the lost ones;
 *   <li>but {@code tryLock()} and {@code tryLock(time, unit)}, while the thread's latest lease is
 *       the lost one, throw its {@link LockLostException}: a holder's try is how it checks that it
 *       still holds (the leader initiator's heartbeat), and true from a new lease would hide the
 *       loss, false would hide why. {@code LockRegistryLeaderInitiator} takes the exception as the
 *       end of its leadership: it unlocks, which ends the lost hold, revokes, and tries afresh.
 * </ul>
 *
 * <p>A thread that ends holding a lock, without its {@code unlock()}, gives it back: nobody else
 * can unlock its holds, and the watchdog would renew them as long as the client lives. At the
 * watchdog's next renewal (a third of the lease), or at the registry's next lock if sooner, its
 * leases are released and a warning logged.
 *
 * <p>Thread-safe. Holds are kept per name and thread only while held, so the registry does not
 * grow with the number of names ever obtained, nor with threads that ended holding one.
 * {@link #close()} (Spring calls it when the context closes) stops the registry's listening to
 * the client's renewals.
 */
final class FencelockLockRegistry implements LockRegistry, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FencelockLockRegistry.class);
    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private final LockClient client;
    /**
     * A thread's holds of a name, one entry per lease, the latest first; touched by that thread
     * only, and by the release of its holds once it ended.
     */
    private final ConcurrentMap<Holder, Deque<Holds>> holds = new ConcurrentHashMap<>();

    private final LockEvents renewals = new LockEvents() {
        @Override
        public void renewalCompleted(int leases, Duration roundTrip, boolean answered) {
            releaseHoldsOfEndedThreads();
        }
    };

    FencelockLockRegistry(LockClient client) {
        this.client = client;
        client.addListener(renewals);
    }

    @Override
    public Lock obtain(Object lockKey) {
        String name = String.valueOf(Objects.requireNonNull(lockKey, "lockKey"));
        // Checks the name now, with the client's message, rather than at the first lock().
        client.lock(name);
        return new RegistryLock(name);
    }

    @Override
    public void close() {
        client.removeListener(renewals);
    }

    /**
     * Takes the holds of threads that ended out of the registry, and releases their leases on a
     * thread of its own: this runs on the watchdog too, which a release (or a log appender) must
     * not hold up. Two sweeps at once take each thread's holds once.
     */
    private void releaseHoldsOfEndedThreads() {
        List<Orphan> orphans = new ArrayList<>();
        holds.forEach((holder, leases) -> {
            // A thread's end happens-before isAlive() answers false: its holds are safe to read here.
            if (!holder.thread().isAlive() && holds.remove(holder, leases)) {
                leases.forEach(held -> orphans.add(new Orphan(holder, held.lease)));
            }
        });
        if (!orphans.isEmpty()) {
            Thread releasing = new Thread(() -> orphans.forEach(Orphan::release), "fencelock-registry-release");
            releasing.setDaemon(true);
            releasing.start();
        }
    }

    /** A lease whose holding thread ended without unlocking it. */
    private record Orphan(Holder holder, Lease lease) {
        void release() {
            String thread = holder.thread().getName();
            try {
                boolean lost = lease.release() == ReleaseOutcome.ALREADY_LOST;
                log.warn("thread '{}' ended holding lock '{}' of the lock registry without unlock(): {}", thread, holder.name(),
                        lost ? "its lease had been lost" : "released");
            } catch (RuntimeException e) {
                log.warn("thread '{}' ended holding lock '{}' of the lock registry without unlock(), and releasing it failed;"
                        + " it expires with its lease", thread, holder.name(), e);
            }
        }
    }

    /** One thread's holds of one name. */
    private record Holder(String name, Thread thread) {}

    /** A lease of a thread's and how many holds it has on it; confined to that thread while it lives. */
    private static final class Holds {
        final Lease lease;
        int count = 1;

        Holds(Lease lease) {
            this.lease = lease;
        }
    }

    private final class RegistryLock implements Lock {
        private final String name;

        RegistryLock(String name) {
            this.name = name;
        }

        private Holder holder() {
            return new Holder(name, Thread.currentThread());
        }

        @Override
        public void lock() {
            boolean interrupted = false;
            while (true) {
                try {
                    lockInterruptibly();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            throwIfInterrupted();
            if (!reenter(false)) {
                acquire(FOREVER);
            }
        }

        @Override
        public boolean tryLock() {
            if (reenter(true)) {
                return true;
            }
            Optional<Lease> lease = client.lock(name).tryAcquire();
            lease.ifPresent(this::hold);
            return lease.isPresent();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            throwIfInterrupted();
            if (reenter(true)) {
                return true;
            }
            try {
                // toNanos saturates: Long.MAX_VALUE of any unit waits as long as the lock is held.
                acquire(Duration.ofNanos(unit.toNanos(Math.max(0, time))));
                return true;
            } catch (LockTimeoutException e) {
                return false;
            }
        }

        private void throwIfInterrupted() throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }

        /**
         * One more hold on the calling thread's latest lease if it is valid (true); false if the
         * thread holds none, or if that lease was lost and {@code reportLoss} is false.
         *
         * @throws LockLostException if the latest lease was lost and {@code reportLoss} is true
         */
        private boolean reenter(boolean reportLoss) {
            Deque<Holds> mine = holds.get(holder());
            if (mine == null) {
                return false;
            }
            Holds latest = mine.peek();
            if (latest.lease.isValid()) {
                latest.count++;
                return true;
            }
            if (reportLoss) {
                // Throws: a lease not released that is not valid was lost.
                latest.lease.checkValid();
            }
            return false;
        }

        /** A new lease, waiting at most {@code maxWait}, held by the calling thread. */
        private void acquire(Duration maxWait) throws InterruptedException {
            try {
                hold(client.lock(name).acquire(maxWait));
            } catch (LockInterruptedException e) {
                Thread.interrupted();
                throw (InterruptedException) new InterruptedException(e.getMessage()).initCause(e);
            }
        }

        private void hold(Lease lease) {
            holds.computeIfAbsent(holder(), h -> new ArrayDeque<>()).push(new Holds(lease));
            // A lease lost before its thread ended is renewed no more: without other leases, no renewal would sweep it.
            releaseHoldsOfEndedThreads();
        }

        @Override
        public void unlock() {
            Holder holder = holder();
            Deque<Holds> mine = holds.get(holder);
            if (mine == null) {
                throw new IllegalMonitorStateException("the current thread does not hold lock '" + name + "'");
            }
            Holds latest = mine.peek();
            if (--latest.count > 0) {
                // An inner hold: the lease stays for the outer ones, and a loss is told at each of them.
                latest.lease.checkValid();
                return;
            }
            mine.pop();
            if (mine.isEmpty()) {
                holds.remove(holder);
            }
            release(latest.lease);
        }

        /** Releases a lease whose last hold was unlocked; throws its loss if it was lost before. */
        private void release(Lease lease) {
            // Run even for a lost lease: its key may still be ours in the store, and only ours is deleted.
            if (lease.release() == ReleaseOutcome.ALREADY_LOST) {
                // Signalled by then, also a loss that the release itself found; the signal reaches
                // its stage through a callback thread, so the exception may be a moment away.
                throw lease.lost().toCompletableFuture().join();
            }
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("a distributed lock has no conditions: lock '" + name + "'");
        }

        @Override
        public String toString() {
            return "FencelockLock{" + name + "}";
        }
    }
}
