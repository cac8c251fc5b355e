package dev.fencelock.zookeeper;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node granted to a lease, and the lease's end in the store. An ephemeral node has no expiry of
 * its own, but a lease does (a fixed lease, a release that keeps the lock a while): so the client
 * deletes its node when the lease runs out unrenewed, as a Redis key would expire. The end is set
 * after each confirmed call, so it never comes before the engine's own deadline for the lease,
 * which counts from the send. A holder whose process dies or is cut off loses the node with its
 * session instead.
 */
final class HeldNode {
    private final String owner;
    private final LockNode node;
    /** How many leases of this client hold the node: two while a downgrade holds its write lease's ({@link #sharedWith}). */
    private final AtomicInteger holders;
    // Guarded by this.
    private ScheduledFuture<?> expiry;
    /** Which end is current: a timer that already runs when the end moves must not delete the node. */
    private long generation;
    private boolean expired;

    HeldNode(String owner, LockNode node) {
        this(owner, node, new AtomicInteger(1));
    }

    private HeldNode(String owner, LockNode node, AtomicInteger holders) {
        this.owner = owner;
        this.node = node;
        this.holders = holders;
    }

    /**
     * The same node granted to the lease of {@code owner} too (a downgrade): it is deleted when the
     * last of them lets go. Null when the last one let go already, on another thread (a release, the
     * lease's end): the node is being deleted, and must not be shared back to life.
     */
    HeldNode sharedWith(String owner) {
        int count;
        do {
            count = holders.get();
            if (count == 0) {
                return null;
            }
        } while (!holders.compareAndSet(count, count + 1));
        return new HeldNode(owner, node, holders);
    }

    /** This lease lets go of the node (released or run out): whether it was the last lease on it, so the node may go. */
    boolean letGo() {
        return holders.decrementAndGet() == 0;
    }

    /** Whether a lease still holds the node, so that nothing of this client deletes it. */
    boolean isHeld() {
        return holders.get() > 0;
    }

    String owner() {
        return owner;
    }

    LockNode node() {
        return node;
    }

    /**
     * Ends the lease {@code lease} from now, unless it has ended already.
     *
     * @return false when it had expired: the node is being deleted
     */
    synchronized boolean expireAfter(Duration lease, ScheduledExecutorService timers, Runnable onExpiry) {
        if (expired) {
            return false;
        }
        if (expiry != null) {
            expiry.cancel(false);
        }
        long current = ++generation;
        expiry = timers.schedule(() -> {
            if (markExpired(current)) {
                onExpiry.run();
            }
        }, lease.toNanos(), TimeUnit.NANOSECONDS);
        return true;
    }

    private synchronized boolean markExpired(long end) {
        if (expired || end != generation) {
            return false;
        }
        expired = true;
        return true;
    }

    /** Ends the lease's timer: released, or lost with the session. */
    synchronized void cancelExpiry() {
        expired = true;
        if (expiry != null) {
            expiry.cancel(false);
        }
    }
}
