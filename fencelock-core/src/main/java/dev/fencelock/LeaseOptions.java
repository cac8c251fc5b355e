package dev.fencelock;

import dev.fencelock.spi.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * How one acquisition holds its lease: its length, whether the watchdog renews it, and whether the
 * holding thread is interrupted when it is lost. Immutable.
 *
 * <pre>{@code
 * lock.acquire(Duration.ofSeconds(5), LeaseOptions.fixed(Duration.ofMinutes(2)));
 * locks.lock("nightly", LeaseOptions.renewing(Duration.ofSeconds(30)).interruptHolderOnLoss()).lock();
 * }</pre>
 */
public final class LeaseOptions {
    /** The shortest renewing lease: the watchdog must be able to renew it at a third of its length. */
    public static final Duration MIN_LEASE = Duration.ofMillis(30);
    /**
     * The shortest fixed lease: a store's resolution. Nothing renews a fixed lease, so it may be
     * shorter than a renewal needs; one shorter than a round trip to the store is granted too late
     * to use, and the acquisition then fails as if the lock were held.
     */
    public static final Duration MIN_FIXED_LEASE = Duration.ofMillis(1);
    /** The longest lease; the fence counter outlives it. */
    public static final Duration MAX_LEASE = Duration.ofDays(1);

    private final Duration lease;
    private final boolean renewing;
    private final boolean interruptHolderOnLoss;

    private LeaseOptions(Duration lease, boolean renewing, boolean interruptHolderOnLoss) {
        this.lease = lease;
        this.renewing = renewing;
        this.interruptHolderOnLoss = interruptHolderOnLoss;
    }

    /**
     * A lease of {@code lease} that the watchdog renews at a third of its length while the holder
     * lives, so a crashed holder frees the lock within one lease. The client also requires it to be
     * longer than three of its command timeouts.
     *
     * @throws IllegalArgumentException unless {@code lease} is between {@link #MIN_LEASE} and {@link #MAX_LEASE}
     */
    public static LeaseOptions renewing(Duration lease) {
        return new LeaseOptions(Checks.requireBetween(lease, "lease", MIN_LEASE, MAX_LEASE), true, false);
    }

    /**
     * A lease of {@code lease} that is never renewed: the lock is released by expiry at the latest
     * after {@code lease}, and the lease is reported lost if it is still held then. Its holder may
     * move that end with {@link Lease#extend(Duration)}. Under Redlock an acquisition also refuses a
     * lease that the clock-drift allowance (1 % and 2 ms by default) uses up.
     *
     * @throws IllegalArgumentException unless {@code lease} is between {@link #MIN_FIXED_LEASE} and {@link #MAX_LEASE}
     */
    public static LeaseOptions fixed(Duration lease) {
        return new LeaseOptions(Checks.requireBetween(lease, "lease", MIN_FIXED_LEASE, MAX_LEASE), false, false);
    }

    /**
     * A copy of these options that also interrupts the holding thread when the lease is lost. For
     * the {@link java.util.concurrent.locks.Lock} view only ({@link LockClient#lock(String, LeaseOptions)}):
     * the thread that holds the lock through {@code lock()}, {@code tryLock()} or
     * {@code lockInterruptibly()} is interrupted, never a thread that has released it. A lease from
     * {@link DistributedLock#acquire} belongs to no thread and refuses these options; interrupt a
     * thread of your choice with {@link Lease#onLost}.
     */
    public LeaseOptions interruptHolderOnLoss() {
        return new LeaseOptions(lease, renewing, true);
    }

    /** The length of the lease. */
    public Duration lease() {
        return lease;
    }

    /** Whether the watchdog renews the lease. */
    public boolean isRenewing() {
        return renewing;
    }

    /** Whether the Lock view's holding thread is interrupted when the lease is lost. */
    public boolean interruptsHolderOnLoss() {
        return interruptHolderOnLoss;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LeaseOptions other
                && lease.equals(other.lease)
                && renewing == other.renewing
                && interruptHolderOnLoss == other.interruptHolderOnLoss;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lease, renewing, interruptHolderOnLoss);
    }

    @Override
    public String toString() {
        return (renewing ? "renewing " : "fixed ") + lease
                + (interruptHolderOnLoss ? ", interrupting the holder on loss" : "");
    }
}
