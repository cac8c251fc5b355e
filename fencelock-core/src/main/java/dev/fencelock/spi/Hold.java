package dev.fencelock.spi;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockLostException;
import dev.fencelock.ReleaseOutcome;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A lease as handed to the user: the lease's state, and whether the user released it (a release
 * is reported once; a second one is refused).
 */
final class Hold implements Lease {
    private final LockEngine client;
    private final LocalLock local;
    private final EngineLease lease;
    private final AtomicBoolean released = new AtomicBoolean();

    Hold(LockEngine client, LocalLock local, EngineLease lease) {
        this.client = client;
        this.local = local;
        this.lease = lease;
    }

    @Override
    public String lockName() {
        return lease.name();
    }

    @Override
    public long fencingToken() {
        return lease.fencingToken();
    }

    @Override
    public boolean isValid() {
        return !released.get() && lease.isValid();
    }

    @Override
    public Duration remaining() {
        return released.get() ? Duration.ZERO : lease.remaining();
    }

    @Override
    public void checkValid() {
        if (released.get()) {
            throw new IllegalStateException("the lease of lock '" + lockName() + "' (fencing token "
                    + fencingToken() + ") was released");
        }
        lease.checkValid();
    }

    @Override
    public CompletionStage<LockLostException> lost() {
        return lease.lost();
    }

    @Override
    public Lease onLost(Consumer<LockLostException> listener) {
        lease.lost().thenAccept(listener);
        return this;
    }

    @Override
    public ReleaseOutcome release() {
        markReleased();
        return client.release(local, lease);
    }

    private void markReleased() {
        if (!released.compareAndSet(false, true)) {
            throw releasedAlready();
        }
    }

    private IllegalStateException releasedAlready() {
        return new IllegalStateException("the lease of lock '" + lockName() + "' (fencing token "
                + fencingToken() + ") was already released");
    }

    @Override
    public ReleaseOutcome releaseAfter(Duration keep) {
        Checks.requireBetween(keep, "keep", Duration.ZERO, LeaseOptions.MAX_LEASE);
        if (keep.isZero()) {
            return release();
        }
        markReleased();
        return client.releaseAfter(local, lease, keep);
    }

    @Override
    public boolean extend(Duration newLease) {
        Checks.requireBetween(newLease, "lease", LeaseOptions.MIN_FIXED_LEASE, LeaseOptions.MAX_LEASE);
        if (lease.options().isRenewing()) {
            throw new IllegalStateException("the lease of lock '" + lockName() + "' is renewed by the watchdog;"
                    + " extend(Duration) is for fixed leases");
        }
        if (released.get()) {
            throw releasedAlready();
        }
        return client.extend(lease, newLease);
    }

    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            client.release(local, lease);
        }
    }

    LocalLock local() {
        return local;
    }

    EngineLease lease() {
        return lease;
    }

    @Override
    public String toString() {
        return "Lease{lock=" + lockName() + ", fencingToken=" + fencingToken() + ", valid=" + isValid() + "}";
    }
}
