package dev.fencelock;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchdog: one thread that renews every lease of a client and reports the ones that are lost.
 *
 * <p>A lease is due a third of its length after its last confirmed renewal, so that two renewals
 * may fail before it runs out. A tick runs when the first lease is due and renews every lease
 * whose renewal window has opened (half an interval before it is due), in one script call per
 * {@value #MAX_BATCH} leases (and, on a cluster, per hash slot): leases acquired at different times fall into the same ticks and stay
 * there, so the number of Redis calls per second does not grow with the number of leases.
 *
 * <p>A renewal goes to every server; a lease stays held while a majority confirms it (with one
 * server: while it does). A renewal that a majority answers with the key gone or taken reports
 * the lease lost. One that cannot reach enough servers is retried until the lease runs out on the
 * local monotonic clock, which is then reported.
 * Fixed leases are not renewed, only reported when they run out.
 *
 * <p>Thread-confinement: the renewal fields of the leases and the ticks belong to the scheduler
 * thread; replies are processed there too. Leases are tracked before their acquire is sent and
 * stop being renewed the moment their release begins ({@link RedisLease#markReleased()}).
 */
final class LeaseRenewer {
    static final int MAX_BATCH = 500;
    private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);
    private static final long MIN_RETRY_DELAY = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_RETRY_DELAY = TimeUnit.SECONDS.toNanos(1);

    private final LockServers servers;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final Set<RedisLease> leases = ConcurrentHashMap.newKeySet();
    // Guarded by this.
    private ScheduledFuture<?> nextTick;
    private long nextTickAt;

    LeaseRenewer(LockServers servers, ScheduledExecutorService scheduler, Ticker ticker) {
        this.servers = servers;
        this.scheduler = scheduler;
        this.ticker = ticker;
    }

    /** Starts watching a lease whose acquire is about to be sent. */
    void track(RedisLease lease) {
        leases.add(lease);
    }

    /** Stops watching a lease whose acquire failed. */
    void untrack(RedisLease lease) {
        leases.remove(lease);
    }

    /** Schedules the first renewal (or, for a fixed lease, the expiry check) of a granted lease. */
    void granted(RedisLease lease) {
        scheduleTick(lease.options().isRenewing() ? lease.renewalDueAt() : lease.expiresAt());
    }

    /** The number of leases watched: acquiring or held. */
    int trackedCount() {
        return leases.size();
    }

    private void tick() {
        synchronized (this) {
            // This run replaces the pending tick, whether it is that tick or a run after a reply,
            // so that exactly one tick is ever pending; a lease granted while it runs schedules
            // one of its own.
            if (nextTick != null) {
                nextTick.cancel(false);
                nextTick = null;
            }
        }
        long next;
        try {
            next = renewDue();
        } catch (RuntimeException e) {
            // Never stop: a lease that nobody renews would run out without its loss being reported.
            log.error("the watchdog's tick failed; trying again in {} ms", TimeUnit.NANOSECONDS.toMillis(MIN_RETRY_DELAY), e);
            next = ticker.nanoTime() + MIN_RETRY_DELAY;
        }
        if (next != Long.MAX_VALUE) {
            scheduleTick(next);
        }
    }

    /**
     * Reports the leases that ran out and sends the renewals that are due.
     *
     * @return when the next tick is due, or {@code Long.MAX_VALUE} when no lease needs one
     */
    private long renewDue() {
        long now = ticker.nanoTime();
        long next = Long.MAX_VALUE;
        List<RedisLease> due = new ArrayList<>();
        for (RedisLease lease : leases) {
            if (lease.isFinished()) {
                leases.remove(lease);
                continue;
            }
            if (!lease.isHeld()) {
                continue; // its acquire has not been answered yet
            }
            if (now - lease.expiresAt() >= 0) {
                leases.remove(lease);
                lease.markLost(LockLostException.Reason.EXPIRED);
                continue;
            }
            next = Math.min(next, lease.expiresAt());
            if (!lease.options().isRenewing() || lease.renewalInFlight) {
                continue;
            }
            // Ticks are scheduled when a renewal is due, and take along every lease whose window
            // has opened: leases renewed together stay together, so the batches stay few.
            if (now - Math.max(windowOpensAt(lease), lease.retryAt) >= 0) {
                due.add(lease);
            } else {
                next = Math.min(next, Math.max(lease.renewalDueAt(), lease.retryAt));
            }
        }
        for (List<RedisLease> batch : batches(due)) {
            renew(batch, now);
        }
        return next;
    }

    /** At most {@value #MAX_BATCH} leases a call; on a cluster, one hash slot a call, as scripts require. */
    private List<List<RedisLease>> batches(List<RedisLease> due) {
        Collection<List<RedisLease>> groups = servers.isCluster()
                ? due.stream().collect(Collectors.groupingBy(lease -> SlotHash.getSlot(lease.keys().lock()))).values()
                : List.of(due);
        List<List<RedisLease>> batches = new ArrayList<>();
        for (List<RedisLease> group : groups) {
            for (int from = 0; from < group.size(); from += MAX_BATCH) {
                batches.add(group.subList(from, Math.min(group.size(), from + MAX_BATCH)));
            }
        }
        return batches;
    }

    private void renew(List<RedisLease> batch, long sentAt) {
        List<RedisLease> leases = List.copyOf(batch);
        String[] keys = new String[leases.size()];
        String[] args = new String[leases.size() * 2];
        for (int i = 0; i < leases.size(); i++) {
            RedisLease lease = leases.get(i);
            lease.renewalInFlight = true;
            keys[i] = lease.keys().lock();
            args[2 * i] = lease.owner();
            args[2 * i + 1] = Long.toString(lease.options().lease().toMillis());
        }
        // Judged at the quorum: a frozen minority must not delay the renewal of a lease that a
        // majority has confirmed until the lease looks lost.
        servers.<List<Long>>onAllUntilDecided(node -> node.run(LuaScript.RENEW, ScriptOutputType.MULTI, keys, args),
                        replies -> IntStream.range(0, leases.size())
                                .allMatch(i -> Tally.ofElement(replies, i).isDecided(servers.quorum())))
                .thenAcceptAsync(replies -> {
                    try {
                        leases.forEach(lease -> lease.renewalInFlight = false);
                        for (int i = 0; i < leases.size(); i++) {
                            settle(leases.get(i), Tally.ofElement(replies, i), sentAt);
                        }
                        replies.stream().filter(reply -> !reply.isOk()).forEach(reply -> log.warn(
                                "renewing {} lease(s) on {} failed; retrying until they run out: {}",
                                leases.size(), reply.node().server(), reply.error().getMessage()));
                    } finally {
                        tick();
                    }
                }, scheduler);
    }

    /** A majority confirmed: renewed. A majority denied: lost. Too few answers to tell: try again soon. */
    private void settle(RedisLease lease, Tally tally, long sentAt) {
        if (tally.yes() >= servers.quorum()) {
            lease.renewed(sentAt);
        } else if (tally.yes() + tally.failures() >= servers.quorum()) {
            lease.retryAt = ticker.nanoTime() + retryDelay(lease);
        } else {
            lease.markLost(tally.zeros() >= tally.minusOnes()
                    ? LockLostException.Reason.KEY_GONE
                    : LockLostException.Reason.OWNER_CHANGED);
        }
    }

    /** Half an interval before the renewal is due: early enough to share a tick with other leases. */
    private static long windowOpensAt(RedisLease lease) {
        return lease.renewalDueAt() - lease.validity().toNanos() / 6;
    }

    private static long retryDelay(RedisLease lease) {
        return Math.max(MIN_RETRY_DELAY, Math.min(MAX_RETRY_DELAY, lease.validity().toNanos() / 30));
    }

    private synchronized void scheduleTick(long at) {
        if (nextTick != null && nextTickAt - at <= 0) {
            return;
        }
        if (nextTick != null) {
            nextTick.cancel(false);
        }
        nextTickAt = at;
        long delay = Math.max(0, at - ticker.nanoTime());
        nextTick = scheduler.schedule(this::tick, delay, TimeUnit.NANOSECONDS);
    }
}
