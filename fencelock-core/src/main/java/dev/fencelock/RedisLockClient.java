package dev.fencelock;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LockClient} of one Redis server: owns the connection, the watchdog thread, the waiter
 * registry, the callback threads and the in-process state of every lock name in use.
 */
final class RedisLockClient implements LockClient {
    private static final Logger log = LoggerFactory.getLogger(RedisLockClient.class);

    private final LockClientOptions options;
    private final RedisNode node;
    private final Ticker ticker;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService callbacks;
    private final LeaseRenewer renewer;
    private final ReleaseSubscriptions subscriptions;
    private final OwnerTokens ownerTokens = new OwnerTokens();
    private final ConcurrentMap<String, LocalLock> locals = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    RedisLockClient(LockClientOptions options, Ticker ticker) {
        this.options = options;
        this.ticker = ticker;
        this.node = RedisNode.connect(options.uri(), options.commandTimeout(), options.connectTimeout());
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("fencelock-renewer"));
        scheduler.setRemoveOnCancelPolicy(true);
        this.callbacks = Executors.newCachedThreadPool(daemonThreads("fencelock-callback"));
        this.renewer = new LeaseRenewer(node, scheduler, ticker);
        this.subscriptions = new ReleaseSubscriptions(node);
    }

    @Override
    public DistributedLock lock(String name) {
        return lock(name, LeaseOptions.renewing(options.defaultLease()));
    }

    @Override
    public DistributedLock lock(String name, LeaseOptions leaseOptions) {
        return new RedisLock(this, LockKeys.of(options.namespace(), name),
                Objects.requireNonNull(leaseOptions, "leaseOptions"));
    }

    @Override
    public LockAdmin admin() {
        checkOpen();
        return new RedisLockAdmin(node, options.namespace());
    }

    /** Starts an acquisition, or completes at once with a further hold for the reentrant caller. */
    CompletableFuture<Lease> acquire(LockKeys keys, Duration maxWait, LeaseOptions leaseOptions) {
        Arguments.requireNotNegative(maxWait, "maxWait");
        Objects.requireNonNull(leaseOptions, "options");
        checkOpen();
        LocalLock local = enter(keys);
        RedisLease held;
        try {
            held = local.reenter(Thread.currentThread());
        } catch (LockLostException e) {
            leave(local);
            return CompletableFuture.failedFuture(e);
        }
        if (held != null) {
            return CompletableFuture.completedFuture(new Hold(this, local, held));
        }
        Acquisition acquisition = new Acquisition(this, local, leaseOptions, maxWait);
        acquisition.start();
        return acquisition.result();
    }

    RedisLease newLease(LocalLock local, LeaseOptions leaseOptions, Thread holder) {
        return new RedisLease(local.keys(), ownerTokens.next(), leaseOptions, holder, ticker, callbacks, local::ended);
    }

    /** Releases one hold, blocking for the reply of Redis when it is the lease's last. */
    ReleaseOutcome release(LocalLock local, RedisLease lease) {
        return node.await(releaseAsync(local, lease));
    }

    /**
     * Drops one hold; the last one stops the renewal first, then deletes the key if it still holds
     * this lease's owner token. A release whose reply was lost is retried once with the same token;
     * finding the key gone on that retry means the first attempt deleted it.
     */
    CompletableFuture<ReleaseOutcome> releaseAsync(LocalLock local, RedisLease lease) {
        if (!local.dropHold(lease)) {
            leave(local);
            return CompletableFuture.completedFuture(lease.isLost() ? ReleaseOutcome.ALREADY_LOST : ReleaseOutcome.RELEASED);
        }
        boolean wasHeld = lease.markReleased();
        renewer.untrack(lease);
        if (closed.get()) {
            // close() released the key already.
            lease.end();
            leave(local);
            return CompletableFuture.completedFuture(wasHeld ? ReleaseOutcome.RELEASED : ReleaseOutcome.ALREADY_LOST);
        }
        return deleteKey(lease)
                .exceptionallyCompose(error -> isReplyLost(error)
                        ? deleteKey(lease).thenApply(reply -> reply == 0 ? 1L : reply)
                        : CompletableFuture.failedFuture(error))
                .handle((reply, error) -> {
                    lease.end();
                    leave(local);
                    if (error != null) {
                        throw new CompletionException(RedisNode.unwrap(error));
                    }
                    if (!wasHeld) {
                        return ReleaseOutcome.ALREADY_LOST;
                    }
                    if (reply == 1) {
                        return ReleaseOutcome.RELEASED;
                    }
                    lease.lostBeforeRelease(reply == 0 ? LockLostException.Reason.KEY_GONE : LockLostException.Reason.OWNER_CHANGED);
                    return ReleaseOutcome.ALREADY_LOST;
                });
    }

    /** Deletes the key if it holds the lease's owner token, ignoring the outcome: cleanup only. */
    void releaseQuietly(RedisLease lease) {
        deleteKey(lease).exceptionally(error -> {
            log.debug("cleanup of lock '{}' failed; its key expires with the lease", lease.keys().name(), error);
            return 0L;
        });
    }

    private CompletableFuture<Long> deleteKey(RedisLease lease) {
        LockKeys keys = lease.keys();
        return node.run(LuaScript.RELEASE, ScriptOutputType.INTEGER, new String[] {keys.lock()},
                lease.owner(), keys.channel());
    }

    /** A timeout or a broken connection: the command may or may not have run. */
    private static boolean isReplyLost(Throwable error) {
        return RedisNode.unwrap(error) instanceof LockUnavailableException unavailable
                && !(unavailable.getCause() instanceof RedisCommandExecutionException);
    }

    boolean isLocked(LockKeys keys) {
        checkOpen();
        return node.await(node.unavailableOnFailure(node.commands().exists(keys.lock()))) > 0;
    }

    /** The in-process state of a name, counted as used until {@link #leave} is called. */
    LocalLock enter(LockKeys keys) {
        return locals.compute(keys.name(), (name, local) -> {
            LocalLock entered = local == null ? new LocalLock(keys) : local;
            entered.references++;
            return entered;
        });
    }

    /** Ends one use of a name's in-process state, forgetting it when nothing uses it any more. */
    void leave(LocalLock local) {
        locals.computeIfPresent(local.keys().name(), (name, current) ->
                current == local && --current.references == 0 ? null : current);
    }

    /** The in-process state of a name if it is in use, else null. */
    LocalLock localLock(String name) {
        return locals.get(name);
    }

    Duration fenceCounterTtl(LeaseOptions leaseOptions) {
        Duration twoLeases = leaseOptions.lease().multipliedBy(2);
        return twoLeases.compareTo(options.fenceCounterTtl()) > 0 ? twoLeases : options.fenceCounterTtl();
    }

    Ticker ticker() {
        return ticker;
    }

    RedisNode node() {
        return node;
    }

    LeaseRenewer renewer() {
        return renewer;
    }

    ReleaseSubscriptions subscriptions() {
        return subscriptions;
    }

    /** Lock names with in-process state: acquisitions in progress or holds not released. */
    int namesInUse() {
        return locals.size();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this LockClient (" + node.server() + ") is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<CompletableFuture<ReleaseOutcome>> releases = new ArrayList<>();
        for (LocalLock local : locals.values()) {
            RedisLease lease = local.currentLease();
            if (lease != null && lease.markReleased()) {
                renewer.untrack(lease);
                releases.add(deleteKey(lease).handle((reply, error) -> ReleaseOutcome.RELEASED));
            }
        }
        try {
            CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new))
                    .get(options.commandTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("releasing held leases on close did not finish; their keys expire with their leases", e);
        }
        scheduler.shutdownNow();
        callbacks.shutdown();
        node.close();
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
        return "LockClient{" + node.server() + ", namespace=" + options.namespace() + "}";
    }
}
