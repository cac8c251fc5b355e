package dev.fencelock.spi;

import dev.fencelock.DistributedLock;
import dev.fencelock.DistributedReadWriteLock;
import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockAdmin;
import dev.fencelock.LockClient;
import dev.fencelock.LockEvents;
import dev.fencelock.LockLostException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.ReleaseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: a {@link LockClient} over any {@link LockStore}. A backend module implements the
 * store and hands it to {@link #start}; the engine owns the watchdog thread, the callback threads,
 * and the in-process state of every lock name in use (the FIFO gate that makes the threads of one
 * client share one remote waiter, the {@code Lock} view's holds per thread, the leases and their
 * lost signals).
 *
 * <p>Thread-safe. Closing the engine closes the store.
 */
public final class LockEngine implements LockClient {
    private static final Logger log = LoggerFactory.getLogger(LockEngine.class);

    private final LockStore store;
    private final Duration defaultLease;
    private final Ticker ticker;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService callbacks;
    private final ThreadLocal<Boolean> onCallbackThread = ThreadLocal.withInitial(() -> false);
    private final LeaseRenewer renewer;
    /** What the store last confirmed for all leases of this client: each lease ends by then at the latest. */
    private final StoreDeadline storeDeadline;
    private final OwnerTokens ownerTokens = new OwnerTokens();
    private final Listeners listeners = new Listeners();
    /** Per target: a name's in-process state is per kind (a thread's read holds are not its write holds). */
    private final ConcurrentMap<LockTarget, LocalLock> locals = new ConcurrentHashMap<>();
    /** The multi-locks in {@link #locals}, by each of their names: kept in step with it, in its compute calls. */
    private final ConcurrentMap<String, Set<MultiLockTarget>> multiLocksByName = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<Lease>> acquisitions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    LockEngine(LockStore store, Duration defaultLease, Ticker ticker) {
        this.store = store;
        this.defaultLease = checkRenewingLease(defaultLease, "defaultLease");
        this.ticker = ticker;
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("fencelock-renewer"));
        scheduler.setRemoveOnCancelPolicy(true);
        ThreadFactory callbackThreads = daemonThreads("fencelock-callback");
        this.callbacks = Executors.newCachedThreadPool(task -> callbackThreads.newThread(() -> {
            onCallbackThread.set(true);
            task.run();
        }));
        this.renewer = new LeaseRenewer(store, scheduler, ticker, listeners, this::releaseOrphaned);
        this.storeDeadline = new StoreDeadline(ticker);
        store.reportTo(new LeaseReports() {
            @Override
            public void lost(Set<String> owners) {
                renewer.lost(owners, LockEngine.this::handOver);
            }

            @Override
            public void confirmedFor(Duration remaining) {
                storeDeadline.confirmedFor(remaining);
            }
        });
    }

    /**
     * Starts the engine over {@code store}, whose locks take a renewing lease of
     * {@code defaultLease} unless told otherwise.
     *
     * @throws IllegalArgumentException if {@code defaultLease} is not between
     *     {@link LeaseOptions#MIN_LEASE} and {@link LeaseOptions#MAX_LEASE}, or not longer than three
     *     of the store's call timeouts
     */
    public static LockEngine start(LockStore store, Duration defaultLease) {
        return new LockEngine(Objects.requireNonNull(store, "store"), defaultLease, Ticker.SYSTEM);
    }

    @Override
    public DistributedLock lock(String name) {
        return lock(name, LeaseOptions.renewing(defaultLease));
    }

    @Override
    public DistributedLock lock(String name, LeaseOptions leaseOptions) {
        return newLock(LockKind.PLAIN, name, leaseOptions);
    }

    @Override
    public DistributedLock fairLock(String name) {
        return fairLock(name, LeaseOptions.renewing(defaultLease));
    }

    @Override
    public DistributedLock fairLock(String name, LeaseOptions leaseOptions) {
        return newLock(LockKind.FAIR, name, leaseOptions);
    }

    @Override
    public DistributedReadWriteLock readWriteLock(String name) {
        return readWriteLock(name, LeaseOptions.renewing(defaultLease));
    }

    @Override
    public DistributedReadWriteLock readWriteLock(String name, LeaseOptions leaseOptions) {
        return new EngineReadWriteLock(newLock(LockKind.READ, name, leaseOptions),
                newLock(LockKind.PLAIN, name, leaseOptions));
    }

    @Override
    public DistributedSemaphore semaphore(String name, int permits) {
        Checks.requireBetween(permits, "permits", 1, DistributedSemaphore.MAX_PERMITS);
        LeaseOptions leaseOptions = LeaseOptions.renewing(defaultLease);
        checkKind(LockKind.PERMIT, name, leaseOptions);
        return new EngineSemaphore(this, name, permits, leaseOptions);
    }

    private EngineLock newLock(LockKind kind, String name, LeaseOptions leaseOptions) {
        checkKind(kind, name, leaseOptions);
        return new EngineLock(this, new LockTarget.Single(kind, name), leaseOptions);
    }

    private void checkKind(LockKind kind, String name, LeaseOptions leaseOptions) {
        Checks.requireLength(name, "name", 1, MAX_NAME_LENGTH);
        Checks.requireWellFormed(name, "name");
        store.checkName(name);
        Objects.requireNonNull(leaseOptions, "options");
        checkLease(leaseOptions);
        if (!store.supports(kind)) {
            String what = kind == LockKind.PERMIT ? "a semaphore" : "a " + kind.name().toLowerCase(Locale.ROOT) + " lock";
            throw new UnsupportedOperationException(what + " is not supported on " + store.describe() + " ('" + name + "')");
        }
    }

    @Override
    public DistributedLock multiLock(String... names) {
        return multiLock(LeaseOptions.renewing(defaultLease), names);
    }

    @Override
    public DistributedLock multiLock(LeaseOptions leaseOptions, String... names) {
        Objects.requireNonNull(names, "names");
        if (names.length == 0 || names.length > MAX_MULTI_LOCK_NAMES) {
            throw new IllegalArgumentException("names must hold 1 to " + MAX_MULTI_LOCK_NAMES + " lock names, was "
                    + names.length);
        }
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            String argument = "names[" + i + "]";
            Objects.requireNonNull(name, argument);
            Checks.requireLength(name, argument, 1, MAX_NAME_LENGTH);
            Checks.requireWellFormed(name, argument);
            try {
                store.checkName(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(argument + ": " + e.getMessage(), e);
            }
            if (!distinct.add(name)) {
                throw new IllegalArgumentException("names must be distinct, but '" + name + "' is given twice, again as "
                        + argument);
            }
        }
        Objects.requireNonNull(leaseOptions, "options");
        checkLease(leaseOptions);
        if (!store.supportsMultiLock()) {
            throw new UnsupportedOperationException("a multi-lock is not supported on " + store.describe()
                    + " (locks " + List.of(names) + ")");
        }
        return new EngineLock(this, new MultiLockTarget(List.of(names)), leaseOptions);
    }

    @Override
    public LockAdmin admin() {
        checkOpen();
        return store.admin();
    }

    @Override
    public void addListener(LockEvents listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(LockEvents listener) {
        listeners.remove(listener);
    }

    /** The listeners, heard as one. */
    LockEvents events() {
        return listeners;
    }

    /** The store this engine runs on. */
    public LockStore store() {
        return store;
    }

    /**
     * How many leases the watchdog watches: acquiring or held. For health checks and for tests
     * that nothing is left behind.
     */
    public int leasesWatched() {
        return renewer.trackedCount();
    }

    /** How many lock names have in-process state: acquisitions in progress or leases not released. */
    public int namesInUse() {
        return locals.size();
    }

    /**
     * Starts an acquisition: always a new one, with a new owner token, whatever the calling thread
     * holds. {@code interruptOnLoss}: the Lock view's holding thread, when it asked to be
     * interrupted if the lease is lost; else null. {@code alongside}: see {@link LockStore#acquire}.
     */
    CompletableFuture<Lease> acquire(LockKind kind, String name, Duration maxWait, LeaseOptions leaseOptions,
            Thread interruptOnLoss, String alongside) {
        return acquire(new LockTarget.Single(kind, name), maxWait, leaseOptions, interruptOnLoss, alongside);
    }

    /** Starts the acquisition of a permit of the semaphore {@code name} of {@code permits}; see {@link #acquire}. */
    CompletableFuture<Lease> acquirePermit(String name, int permits, Duration maxWait, LeaseOptions leaseOptions) {
        return acquire(new LockTarget.Permit(name, permits), maxWait, leaseOptions, null, null);
    }

    CompletableFuture<Lease> acquire(LockTarget target, Duration maxWait, LeaseOptions leaseOptions,
            Thread interruptOnLoss, String alongside) {
        Checks.requireNotNegative(maxWait, "maxWait");
        Objects.requireNonNull(leaseOptions, "options");
        checkLease(leaseOptions);
        checkOpen();
        LocalLock local = enter(target);
        Acquisition acquisition = new Acquisition(this, local, leaseOptions, maxWait, interruptOnLoss, alongside);
        CompletableFuture<Lease> result = acquisition.result();
        acquisitions.add(result);
        result.whenComplete((lease, error) -> acquisitions.remove(result));
        acquisition.start();
        return result;
    }

    /**
     * Every renewing lease, not only the default one, leaves time for a renewal to time out and be
     * retried. A fixed lease is never renewed: its length is the caller's to choose, as long as the
     * store's clock-drift allowance leaves some of it.
     */
    private void checkLease(LeaseOptions leaseOptions) {
        if (leaseOptions.isRenewing()) {
            checkRenewingLease(leaseOptions.lease(), "lease");
        } else {
            checkOutlastsDrift(leaseOptions.lease());
        }
    }

    /** Refuses a lease that the store's clock-drift allowance (Redlock's) uses up: no grant could be used. */
    private void checkOutlastsDrift(Duration lease) {
        Duration validity = store.validity(lease);
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("lease (" + lease + ") leaves no time to hold the lock on "
                    + store.describe() + ": its clock-drift allowance takes " + lease.minus(validity) + " of it");
        }
    }

    private Duration checkRenewingLease(Duration lease, String name) {
        Checks.requireBetween(lease, name, LeaseOptions.MIN_LEASE, LeaseOptions.MAX_LEASE);
        return Checks.requireLongerThanThreeCallTimeouts(lease, name, store.callTimeout());
    }

    /** The executor of user-facing continuations: never an event loop or the renewer. */
    Executor callbacks() {
        return callbacks;
    }

    EngineLease newLease(LocalLock local, LeaseOptions leaseOptions, Thread interruptOnLoss) {
        // The end runs once, and only for a lease that was held: it pairs with leaseGranted.
        EngineLease lease = new EngineLease(local.target(), ownerTokens.next(), leaseOptions, interruptOnLoss,
                ticker, storeDeadline, callbacks, ended -> {
                    local.ended(ended);
                    listeners.leaseEnded(ended.name());
                });
        lease.lost().thenAccept(lost -> listeners.leaseLost(lost.lockName(), lost.reason()));
        if (local.target().names().size() > 1) {
            // One name gone takes the lease: the others, still held for it, are freed at once
            // rather than when the holder releases or they expire. A release of the holder's
            // finds them gone, as it would have found the lost name.
            lease.lost().thenAccept(lost -> {
                if (lost.reason() != LockLostException.Reason.CLIENT_CLOSED) {
                    releaseQuietly(lease);
                }
            });
        }
        return lease;
    }

    /** Releases a lease, blocking for the store's reply. */
    ReleaseOutcome release(LocalLock local, EngineLease lease) {
        return await(releaseAsync(local, lease));
    }

    /** Waits for a call to the store from a caller thread, at most twice the call timeout. */
    <T> T await(CompletableFuture<T> future) {
        // In nanoseconds: Duration.multipliedBy goes through BigDecimal, on every release.
        Duration bound = Duration.ofNanos(2 * store.callTimeout().toNanos());
        return Await.bounded(future, bound, error ->
                new LockUnavailableException(store.describe() + " did not answer within " + bound, error));
    }

    /**
     * Releases a lease: stops its renewal first, then has the store delete the lock where it still
     * holds this lease's owner token.
     */
    CompletableFuture<ReleaseOutcome> releaseAsync(LocalLock local, EngineLease lease) {
        boolean wasHeld = lease.markReleased();
        renewer.untrack(lease);
        if (closed.get()) {
            // close() released the lock already, unless the lease had been lost before, or was
            // granted after close() began (an acquisition it failed, whose grant came late):
            // that one is released here, while close() still waits for its own releases.
            if (wasHeld) {
                releaseQuietly(lease);
            }
            lease.end();
            leave(local);
            return CompletableFuture.completedFuture(lease.isLost() ? ReleaseOutcome.ALREADY_LOST : ReleaseOutcome.RELEASED);
        }
        // With more threads of this client waiting, the release queues this client behind the
        // client it wakes; the release after that one is taken now, so that no wake is missed.
        // Not for a lease already lost: the kept watch may then be its successor's.
        ReleaseWatch waiting = wasHeld ? local.watchForWaiters() : null;
        CompletableFuture<Void> releaseAfter = waiting == null ? null : waiting.nextRelease();
        // A permit may go straight to an acquisition of this client that waits for one.
        Map<String, Acquisition> permitWaiters = wasHeld && local.kind() == LockKind.PERMIT
                ? local.permitWaiters() : Map.of();
        long sentAt = ticker.nanoTime();
        CompletableFuture<Released> released = call(() -> permitWaiters.isEmpty()
                ? lease.target().release(store, lease.owner(), waiting != null)
                : lease.target().releasePassing(store, lease.owner(), permitWaiters.entrySet().stream()
                        .map(waiter -> new PermitWaiter(waiter.getKey(), waiter.getValue().askedLease())).toList()));
        // The hand-over runs on the store's future itself, which is never cancelled: a caller that
        // gives up waiting (and cancels what it waited for) must not keep the name locked here.
        // The outcome follows the hand-over, so that the releasing thread's next acquisition finds
        // the name's gate open.
        CompletableFuture<Released> handedOver = released.whenComplete((outcome, error) -> {
            try {
                Released.Passed passed = outcome == null ? null : outcome.passed();
                permitWaiters.forEach((owner, waiter) ->
                        waiter.passEnded(passed != null && passed.owner().equals(owner) ? passed : null, sentAt));
                if (waiting != null) {
                    // Left again if nobody takes the handover, even when the store did not say it
                    // queued this client: a lost reply may hide that it did.
                    boolean queued = outcome != null && outcome.queued();
                    local.releasedWithWaiters(lease, queued ? releaseAfter : null,
                            () -> bestEffort(() -> lease.target().stopWaiting(store, lease.owner())));
                }
            } finally {
                // Whatever a waiter's continuation did, the lease ends and the name is left once.
                lease.end();
                leave(local);
            }
        });
        return handedOver.handle((outcome, error) -> {
            if (!wasHeld) {
                // Lost before, and signalled then: whatever the store answered, nothing was ours.
                return ReleaseOutcome.ALREADY_LOST;
            }
            if (error != null) {
                throw error instanceof CompletionException completion ? completion : new CompletionException(error);
            }
            return switch (outcome.found()) {
                case OURS -> ReleaseOutcome.RELEASED;
                case GONE -> lostBeforeRelease(lease, LockLostException.Reason.KEY_GONE);
                case TAKEN -> lostBeforeRelease(lease, LockLostException.Reason.OWNER_CHANGED);
            };
        });
    }

    /**
     * Moves the end of a held fixed lease to {@code newLease} from now, where the store still holds
     * its owner token.
     *
     * @return whether the lease is held until then; false when it had been lost or run out (its loss
     *     is signalled)
     */
    boolean extend(EngineLease lease, Duration newLease) {
        checkOutlastsDrift(newLease);
        if (!lease.isValid()) {
            return false;
        }
        long sentAt = ticker.nanoTime();
        Renewal renewal;
        try {
            renewal = setRemaining(lease, newLease, "extension");
        } catch (LockUnavailableException e) {
            // The store may have applied it: a shortened key would expire before the lease's old
            // end. The watchdog checks the earlier end, to report the loss when it comes.
            lease.mayEndBy(sentAt, store.validity(newLease));
            renewer.granted(lease);
            throw e;
        }
        switch (renewal) {
            case RENEWED -> {
                if (!lease.extended(sentAt, store.validity(newLease))) {
                    // Released, or run out on the local clock, while the extension was on its way:
                    // the key it kept alive belongs to no holder.
                    releaseQuietly(lease);
                    return false;
                }
                renewer.granted(lease);
                return true;
            }
            case GONE -> lease.markLostWhenExtended(LockLostException.Reason.KEY_GONE);
            default -> lease.markLostWhenExtended(LockLostException.Reason.OWNER_CHANGED);
        }
        return false;
    }

    /**
     * Releases a lease but leaves its key in the store for {@code keep} more, where it still holds
     * the lease's owner token: nobody acquires the lock before then, and nothing wakes its waiters
     * (they try again when the key expires).
     */
    ReleaseOutcome releaseAfter(LocalLock local, EngineLease lease, Duration keep) {
        if (closed.get() || !lease.markReleased()) {
            // Nothing of ours to keep: the plain release reports the loss, or close() freed the key.
            return release(local, lease);
        }
        renewer.untrack(lease);
        try {
            return switch (setRemaining(lease, keep, "release")) {
                case RENEWED -> ReleaseOutcome.RELEASED;
                case GONE -> lostBeforeRelease(lease, LockLostException.Reason.KEY_GONE);
                default -> lostBeforeRelease(lease, LockLostException.Reason.OWNER_CHANGED);
            };
        } finally {
            lease.end();
            leave(local);
        }
    }

    /**
     * Has the store let the lease's key expire {@code remaining} from now, if it still holds the
     * lease's owner token: after any renewal of it already decided, which would otherwise undo it.
     *
     * @return {@link Renewal#RENEWED}, {@link Renewal#GONE} or {@link Renewal#TAKEN}
     * @throws LockUnavailableException when the store did not answer or could not tell
     */
    private Renewal setRemaining(EngineLease lease, Duration remaining, String what) {
        List<HeldLease> held = lease.target().held(lease.owner(), remaining);
        Renewal renewal = await(renewer.afterRenewalsSent(() -> renewAll(held)));
        if (renewal == Renewal.UNCONFIRMED) {
            throw new LockUnavailableException(store.describe() + " did not confirm the " + what + " of lock '"
                    + lease.name() + "'; it may or may not have applied it");
        }
        return renewal;
    }

    private static ReleaseOutcome lostBeforeRelease(EngineLease lease, LockLostException.Reason reason) {
        lease.lostBeforeRelease(reason);
        return ReleaseOutcome.ALREADY_LOST;
    }

    /**
     * Releases a lease whose thread ended holding it through the Lock view, without unlock(): as a
     * crashed process's lock is freed, rather than renewed for as long as the client lives.
     */
    private void releaseOrphaned(EngineLease lease) {
        // In use, and so in the map, while a lease of it is held (close() leaves the map as it is).
        LocalLock local = locals.get(lease.target());
        Thread thread = lease.lockViewHolder();
        log.warn("thread '{}' ended holding lock '{}' through lock() without unlock(): released", thread.getName(), lease.name());
        local.dropHolds(thread);
        releaseAsync(local, lease).exceptionally(error -> {
            log.warn("releasing lock '{}' of an ended thread failed; it expires with its lease", lease.name(), error);
            return null;
        });
    }

    /** Gives a lease back that was granted but will not be handed out, ignoring the outcome. */
    void releaseQuietly(EngineLease lease) {
        call(() -> lease.target().release(store, lease.owner(), false));
    }

    /**
     * Renews the leases of one lock (one per name) in one store call per shard, and tells what the
     * worst of them found: one name lost loses the lease.
     */
    private CompletableFuture<Renewal> renewAll(List<HeldLease> held) {
        List<CompletableFuture<List<Renewal>>> calls = held.stream()
                .collect(Collectors.groupingBy(lease -> store.renewalShard(lease.name()))).values().stream()
                .map(shard -> call(() -> store.renew(shard))).toList();
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                .thenApply(done -> calls.stream().flatMap(call -> call.join().stream())
                        .reduce(Renewal.RENEWED, LockEngine::worse));
    }

    /** Of two renewals of one lease's names, the one that decides: a loss over a doubt over a renewal. */
    static Renewal worse(Renewal first, Renewal second) {
        return rank(second) > rank(first) ? second : first;
    }

    private static int rank(Renewal renewal) {
        return switch (renewal) {
            case RENEWED -> 0;
            case UNCONFIRMED -> 1;
            case GONE, TAKEN -> 2;
        };
    }

    /**
     * Calls the store: a store that throws instead of failing its future gets a failed future all
     * the same, so that no continuation of the engine is skipped (a gate left shut, a result never
     * completed).
     */
    static <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> storeCall) {
        try {
            return storeCall.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Runs a step that may fail without harm (closing a watch, leaving a queue), logging a failure. */
    static void bestEffort(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            log.warn("a best-effort call to the store failed", e);
        }
    }

    boolean isLocked(LockTarget target) {
        checkOpen();
        return await(target.isLocked(store));
    }

    int availablePermits(String name, int permits) {
        checkOpen();
        return await(call(() -> store.availablePermits(name, permits)));
    }

    /** The in-process state of a lock, counted as used until {@link #leave} is called. */
    LocalLock enter(LockTarget target) {
        return locals.compute(target, (key, local) -> {
            if (local == null && target instanceof MultiLockTarget multi) {
                multi.names().forEach(name -> multiLocksByName.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet())
                        .add(multi));
            }
            LocalLock entered = local == null
                    ? new LocalLock(target, target instanceof LockTarget.Single && target.kind() == LockKind.PLAIN
                            && store.queuesEachPlainAcquisition())
                    : local;
            entered.references++;
            return entered;
        });
    }

    /** Ends one use of a name's in-process state, forgetting it when nothing uses it any more. */
    void leave(LocalLock local) {
        locals.computeIfPresent(local.target(), (key, current) -> {
            if (current != local || --current.references > 0) {
                return current;
            }
            if (key instanceof MultiLockTarget multi) {
                multi.names().forEach(name -> multiLocksByName.computeIfPresent(name, (n, multis) ->
                        multis.remove(multi) && multis.isEmpty() ? null : multis));
            }
            return null;
        });
    }

    /**
     * A lock over one of {@code target}'s names, {@code target} itself included, that {@code thread}
     * holds through the Lock view and that {@code target} would wait for; else null. A read waits
     * for neither another read nor the thread's own write lock of the name (it is granted beside it:
     * a downgrade).
     */
    LocalLock heldInTheWayOf(LockTarget target, Thread thread) {
        for (String name : target.names()) {
            LockTarget write = new LockTarget.Single(LockKind.PLAIN, name);
            List<LockTarget> holders = new ArrayList<>(List.of(write, new LockTarget.Single(LockKind.FAIR, name),
                    new LockTarget.Single(LockKind.READ, name)));
            holders.addAll(multiLocksByName.getOrDefault(name, Set.of()));
            for (LockTarget holder : holders) {
                boolean shared = target.kind() == LockKind.READ && (holder.kind() == LockKind.READ || holder.equals(write));
                LocalLock local = shared ? null : locals.get(holder);
                if (local != null && local.holdCount(thread) > 0) {
                    return local;
                }
            }
        }
        return null;
    }

    /** The in-process state of a name of {@code kind} if it is in use, else null. */
    LocalLock localLock(LockKind kind, String name) {
        return localLock(new LockTarget.Single(kind, name));
    }

    /** The in-process state of a lock if it is in use, else null. */
    LocalLock localLock(LockTarget target) {
        return locals.get(target);
    }

    Ticker ticker() {
        return ticker;
    }

    LeaseRenewer renewer() {
        return renewer;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this LockClient (" + store.describe() + ") is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        IllegalStateException closing = new IllegalStateException("the LockClient (" + store.describe() + ") was closed");
        acquisitions.forEach(acquisition -> acquisition.completeExceptionally(closing));
        List<CompletableFuture<?>> releases = new ArrayList<>();
        for (LocalLock local : locals.values()) {
            for (EngineLease lease : local.currentLeases()) {
                // Taken away from its holder: a loss like any other, signalled once, then the lock freed.
                if (lease.markLost(LockLostException.Reason.CLIENT_CLOSED)) {
                    renewer.untrack(lease);
                    releases.add(call(() -> lease.target().release(store, lease.owner(), false)));
                }
            }
        }
        try {
            // Not interruptible: the loss may just have interrupted this very thread (a Lock-view
            // holder that asked for it), which keeps its interrupt status.
            Await.bounded(CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new)),
                    store.callTimeout().plusSeconds(1), error -> new LockUnavailableException(store.describe()
                            + " did not confirm the releases", error));
        } catch (RuntimeException e) {
            log.warn("releasing held leases on close did not finish; their locks expire with their leases", e);
        }
        scheduler.shutdownNow();
        // A release that keeps its key, queued behind the watchdog's work as it stopped, still goes out.
        renewer.sendUnsent();
        callbacks.shutdown();
        // The loss may have interrupted this very thread; a backend's shutdown might give up at once.
        boolean interrupted = Thread.interrupted();
        try {
            awaitCallbacks();
            store.close();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Lets the callbacks under way finish, within the call timeout, before the store closes: an
     * acquisition abandoned on a callback thread (a cancelled {@code acquireAsync}) may be sending
     * its leave of the queue there. Not on a callback thread, which would wait for itself.
     */
    private void awaitCallbacks() {
        if (onCallbackThread.get()) {
            return;
        }
        try {
            if (!callbacks.awaitTermination(store.callTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                log.warn("callbacks still running as the client closed: they may find the store closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the hand-over of a lease the store reported lost on a callback thread, or on this one
     * once the client is closed: a lease lost as {@link #close()} runs is still ended, once.
     */
    private void handOver(Runnable handOver) {
        try {
            callbacks.execute(handOver);
        } catch (RejectedExecutionException closed) {
            handOver.run();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public String toString() {
        return "LockClient{" + store.describe() + "}";
    }
}
