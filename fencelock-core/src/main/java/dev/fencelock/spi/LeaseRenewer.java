package dev.fencelock.spi;

import dev.fencelock.LockEvents;
import dev.fencelock.LockLostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchdog: one thread that renews every lease of a client and reports the ones that are lost.
 *
 * <p>A lease is due a third of its length after its last confirmed renewal, so that two renewals
 * may fail before it runs out. A tick runs when the first lease is due and renews every lease
 * whose renewal window has opened (half an interval before it is due), in one store call per
 * {@linkplain LockStore#maxRenewalBatch() batch} of one {@linkplain LockStore#renewalShard shard}:
 * leases acquired at different times fall into the same ticks and stay there, so the number of
 * calls per second grows with the number of batches, not of leases.
 *
 * <p>A renewal the store answers {@link Renewal#GONE} or {@link Renewal#TAKEN} reports the lease
 * lost; one it cannot confirm is retried until the lease runs out on the local monotonic clock,
 * which is then reported. A lease of several names (a multi-lock) is renewed name by name, each in
 * its shard's call of the tick, and decided by the worst answer: any name lost loses the lease. Fixed leases are not renewed, only reported when they run out.
 *
 * <p>Thread-confinement: the renewal fields of the leases and the ticks belong to the scheduler
 * thread; replies are processed there too. A loss the store reports between renewals is marked on
 * the store's thread ({@link #lost}), which touches none of them. Leases are tracked before their
 * acquire is sent and stop being renewed the moment their release begins
 * ({@link EngineLease#markReleased()}).
 */
final class LeaseRenewer {
    private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);
    private static final long MIN_RETRY_DELAY = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_RETRY_DELAY = TimeUnit.SECONDS.toNanos(1);

    private final LockStore store;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final LockEvents events;
    /** Releases a lease that {@link EngineLease#isOrphaned() nobody can release} any more. */
    private final Consumer<EngineLease> releaseOrphaned;
    private final Set<EngineLease> leases = ConcurrentHashMap.newKeySet();
    /** The calls of {@link #afterRenewalsSent} not sent yet. */
    private final Set<Runnable> unsent = ConcurrentHashMap.newKeySet();
    // Guarded by this.
    private ScheduledFuture<?> nextTick;
    private long nextTickAt;

    LeaseRenewer(LockStore store, ScheduledExecutorService scheduler, Ticker ticker, LockEvents events,
            Consumer<EngineLease> releaseOrphaned) {
        this.store = store;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.events = events;
        this.releaseOrphaned = releaseOrphaned;
    }

    /** Starts watching a lease whose acquire is about to be sent. */
    void track(EngineLease lease) {
        leases.add(lease);
    }

    /** Stops watching a lease whose acquire failed. */
    void untrack(EngineLease lease) {
        leases.remove(lease);
    }

    /** Schedules the first renewal (or, for a fixed lease, the expiry check) of a granted lease. */
    void granted(EngineLease lease) {
        // The store's deadline for all leases may come before the lease's own renewal.
        scheduleTick(lease.options().isRenewing() ? Math.min(lease.renewalDueAt(), lease.expiresAt()) : lease.expiresAt());
    }

    /**
     * Reports the held leases of {@code owners} lost, which the store learned between renewals.
     * They are lost before this returns, on the store's thread, so that nothing the store confirms
     * next (on ZooKeeper, the answers of the next session) makes them read valid; their hand-overs
     * run on {@code handOvers}, never on the store's thread, which the next local holder's calls may need.
     */
    void lost(Set<String> owners, Executor handOvers) {
        for (EngineLease lease : leases) {
            if (lease.isHeld() && owners.contains(lease.owner())) {
                leases.remove(lease);
                lease.markLost(LockLostException.Reason.KEY_GONE, "the store reported its key gone between"
                        + " renewals (on ZooKeeper: the session that held it ended)", handOvers);
            }
        }
    }

    /**
     * Makes a store call that sets a lease's expiry from the watchdog's thread, behind every renewal
     * the watchdog has decided to send: a store keeps the order of its calls per name, so that the
     * call's word on the key's expiry is the last one, not a renewal that was already on its way.
     */
    <T> CompletableFuture<T> afterRenewalsSent(Supplier<CompletableFuture<T>> storeCall) {
        CompletableFuture<CompletableFuture<T>> sent = new CompletableFuture<>();
        Runnable send = new Runnable() {
            @Override
            public void run() {
                if (unsent.remove(this)) {
                    sent.complete(LockEngine.call(storeCall));
                }
            }
        };
        unsent.add(send);
        try {
            scheduler.execute(send);
        } catch (RejectedExecutionException e) {
            // Closed: nothing is renewed any more.
            send.run();
        }
        return sent.thenCompose(call -> call);
    }

    /**
     * Sends, from the calling thread, what {@link #afterRenewalsSent} left for the watchdog's thread
     * when that thread stopped (the client closed): its callers wait for it.
     */
    void sendUnsent() {
        unsent.forEach(Runnable::run);
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
        } catch (Throwable e) {
            // Never stop, not even for an Error: a lease that nobody renews would run out without its
            // loss being reported.
            log.error("the watchdog's tick failed; trying again in {} ms", TimeUnit.NANOSECONDS.toMillis(MIN_RETRY_DELAY), e);
            next = ticker.nanoTime() + MIN_RETRY_DELAY;
        }
        if (next != Long.MAX_VALUE) {
            scheduleTick(next);
        }
    }

    /**
     * Reports the leases that ran out and sends the renewals that are due; a lease due whose
     * Lock-view thread has ended is released instead.
     *
     * @return when the next tick is due, or {@code Long.MAX_VALUE} when no lease needs one
     */
    private long renewDue() {
        long now = ticker.nanoTime();
        long next = Long.MAX_VALUE;
        List<Item> due = new ArrayList<>();
        List<EngineLease> orphaned = new ArrayList<>();
        for (EngineLease lease : leases) {
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
                if (lease.isOrphaned()) {
                    leases.remove(lease);
                    orphaned.add(lease);
                    continue;
                }
                List<HeldLease> names = lease.target().held(lease.owner(), lease.options().lease());
                lease.renewalInFlight = true;
                lease.renewalsPending = names.size();
                lease.renewalFound = Renewal.RENEWED;
                names.forEach(held -> due.add(new Item(lease, held)));
            } else {
                next = Math.min(next, Math.max(lease.renewalDueAt(), lease.retryAt));
            }
        }
        for (List<Item> batch : batches(due)) {
            renew(batch, now);
        }
        for (EngineLease lease : orphaned) {
            try {
                releaseOrphaned.accept(lease);
            } catch (RuntimeException e) {
                // The others are released all the same; this one's key expires with its lease.
                log.error("releasing lock '{}' of an ended thread failed", lease.name(), e);
            }
        }
        return next;
    }

    /** At most the store's batch a call, of one shard a call. */
    private List<List<Item>> batches(List<Item> due) {
        Collection<List<Item>> shards = due.stream()
                .collect(Collectors.groupingBy(item -> store.renewalShard(item.held().name()))).values();
        int maxBatch = store.maxRenewalBatch();
        List<List<Item>> batches = new ArrayList<>();
        for (List<Item> shard : shards) {
            for (int from = 0; from < shard.size(); from += maxBatch) {
                batches.add(shard.subList(from, Math.min(shard.size(), from + maxBatch)));
            }
        }
        return batches;
    }

    private void renew(List<Item> batch, long sentAt) {
        List<Item> items = List.copyOf(batch);
        List<HeldLease> held = items.stream().map(Item::held).toList();
        LockEngine.call(() -> store.renew(held)).whenCompleteAsync((renewals, error) -> {
            try {
                if (error != null) {
                    // Unconfirmed: retried soon, until the leases run out.
                    log.warn("renewing {} lease(s) failed; retrying until they run out", items.size(), error);
                }
                for (int i = 0; i < items.size(); i++) {
                    found(items.get(i).lease(), error == null ? renewals.get(i) : Renewal.UNCONFIRMED, sentAt);
                }
                // After settling: reporting must not stand between a reply and the leases it renews.
                // A store that did not answer in time may say so by leaving every lease unconfirmed
                // (the Redis store does) rather than by failing the call.
                boolean answered = error == null && renewals.stream().anyMatch(renewal -> renewal != Renewal.UNCONFIRMED);
                events.renewalCompleted(items.size(), Duration.ofNanos(ticker.nanoTime() - sentAt), answered);
            } finally {
                tick();
            }
        }, scheduler);
    }

    /** Records what the store found for one name of a lease, and settles the lease once every name is answered. */
    private void found(EngineLease lease, Renewal renewal, long sentAt) {
        lease.renewalFound = LockEngine.worse(lease.renewalFound, renewal);
        if (--lease.renewalsPending == 0) {
            lease.renewalInFlight = false;
            settle(lease, lease.renewalFound, sentAt);
        }
    }

    /** Confirmed: renewed. Gone or taken: lost. Not confirmed: try again soon. */
    private void settle(EngineLease lease, Renewal renewal, long sentAt) {
        switch (renewal) {
            case RENEWED -> lease.renewed(sentAt);
            case UNCONFIRMED -> lease.retryAt = ticker.nanoTime() + retryDelay(lease);
            case GONE -> lease.markLost(LockLostException.Reason.KEY_GONE);
            case TAKEN -> lease.markLost(LockLostException.Reason.OWNER_CHANGED);
        }
    }

    /** Half an interval before the renewal is due: early enough to share a tick with other leases. */
    private static long windowOpensAt(EngineLease lease) {
        return lease.renewalDueAt() - lease.validity().toNanos() / 6;
    }

    private static long retryDelay(EngineLease lease) {
        return Math.max(MIN_RETRY_DELAY, Math.min(MAX_RETRY_DELAY, lease.validity().toNanos() / 30));
    }

    /** One name of a lease due for renewal. */
    private record Item(EngineLease lease, HeldLease held) {}

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
