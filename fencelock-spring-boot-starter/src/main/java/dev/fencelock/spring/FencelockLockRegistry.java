package dev.fencelock.spring;

import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockInterruptedException;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * A Spring Integration {@link LockRegistry} on Fencelock: {@code obtain(key)} is the lock named
 * {@code String.valueOf(key)}, reentrant per thread like Spring's own registries, with the
 * client's renewing default lease.
 *
 * <p>A lease lost while a thread holds it ends all of that thread's holds, at whichever comes
 * first: its next {@code tryLock} returns false (it does not quietly take the lock again, which
 * would hide the gap during which another process may have held it; the try after that starts
 * afresh), or its {@code unlock} throws the {@link LockLostException}. That is what makes {@code LockRegistryLeaderInitiator} revoke
 * leadership at its next heartbeat after a loss.
 *
 * <p>Thread-safe. Holds are kept per name and thread only while held, so the registry does not
 * grow with the number of names ever obtained.
 */
final class FencelockLockRegistry implements LockRegistry {
    private final LockClient client;
    private final ConcurrentMap<Holder, Holds> holds = new ConcurrentHashMap<>();

    FencelockLockRegistry(LockClient client) {
        this.client = client;
    }

    @Override
    public Lock obtain(Object lockKey) {
        String name = String.valueOf(Objects.requireNonNull(lockKey, "lockKey"));
        // Checks the name now, with the client's message, rather than at the first lock().
        client.lock(name);
        return new RegistryLock(name);
    }

    /** One thread's holds of one name. */
    private record Holder(String name, Thread thread) {}

    /** The lease of a thread's holds and how many there are; confined to that thread. */
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
            if (!tryLock(Long.MAX_VALUE, TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("lock '" + name + "': the current thread's lease was lost;"
                        + " unlock() its holds first");
            }
        }

        @Override
        public boolean tryLock() {
            Optional<Boolean> held = reenter();
            if (held.isPresent()) {
                return held.get();
            }
            Optional<Lease> lease = client.lock(name).tryAcquire();
            lease.ifPresent(this::hold);
            return lease.isPresent();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            Optional<Boolean> held = reenter();
            if (held.isPresent()) {
                return held.get();
            }
            // toNanos saturates: Long.MAX_VALUE of any unit waits as long as the lock is held.
            Duration maxWait = Duration.ofNanos(unit.toNanos(Math.max(0, time)));
            try {
                hold(client.lock(name).acquire(maxWait));
                return true;
            } catch (LockTimeoutException e) {
                return false;
            } catch (LockInterruptedException e) {
                Thread.interrupted();
                throw (InterruptedException) new InterruptedException(e.getMessage()).initCause(e);
            }
        }

        /**
         * For a thread that holds the lock: one more hold while its lease is valid (true); when it
         * was lost, the end of all its holds (false), so that its next try starts afresh. Empty for
         * a thread that does not hold it.
         */
        private Optional<Boolean> reenter() {
            Holder holder = holder();
            Holds mine = holds.get(holder);
            if (mine == null) {
                return Optional.empty();
            }
            if (mine.lease.isValid()) {
                mine.count++;
                return Optional.of(true);
            }
            holds.remove(holder);
            try {
                mine.lease.release();
            } catch (RuntimeException e) {
                // The store did not answer: a key still ours expires with its lease. Throwing here
                // would make a caller (the leader initiator) unlock a hold that is already gone.
            }
            return Optional.of(false);
        }

        private void hold(Lease lease) {
            holds.put(holder(), new Holds(lease));
        }

        @Override
        public void unlock() {
            Holder holder = holder();
            Holds mine = holds.get(holder);
            if (mine == null) {
                throw new IllegalMonitorStateException("the current thread does not hold lock '" + name + "'");
            }
            if (--mine.count > 0 && mine.lease.isValid()) {
                return;
            }
            // The last hold, or any hold of a lost lease: every hold of this thread ends here.
            holds.remove(holder);
            LockLostException lost = null;
            try {
                mine.lease.checkValid();
            } catch (LockLostException e) {
                lost = e;
            }
            // Run even for a lost lease: its key may still be ours in the store, and only ours is deleted.
            mine.lease.release();
            if (lost != null) {
                throw lost;
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
