package dev.fencelock;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
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
    /** release.lua's answer when it deleted the key and queued this client behind the one it woke. */
    private static final long RELEASED_AND_QUEUED = 2;

    private final LockClientOptions options;
    private final LockServers servers;
    private final Ticker ticker;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService callbacks;
    private final LeaseRenewer renewer;
    private final OwnerTokens ownerTokens = new OwnerTokens();
    private final ConcurrentMap<String, LocalLock> locals = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<Lease>> acquisitions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    RedisLockClient(LockClientOptions options, Ticker ticker) {
        this.options = options;
        this.ticker = ticker;
        this.servers = LockServers.connect(options);
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("fencelock-renewer"));
        scheduler.setRemoveOnCancelPolicy(true);
        this.callbacks = Executors.newCachedThreadPool(daemonThreads("fencelock-callback"));
        this.renewer = new LeaseRenewer(servers, scheduler, ticker);
    }

    @Override
    public DistributedLock lock(String name) {
        return lock(name, LeaseOptions.renewing(options.defaultLease()));
    }

    @Override
    public DistributedLock lock(String name, LeaseOptions leaseOptions) {
        return new RedisLock(this, LockKeys.of(options.namespace(), name), checkLease(leaseOptions));
    }

    @Override
    public LockAdmin admin() {
        checkOpen();
        return new RedisLockAdmin(this, options.namespace());
    }

    /**
     * Starts an acquisition: always a new one, with a new owner token, whatever the calling thread
     * holds. {@code interruptOnLoss}: the Lock view's holding thread, when it asked to be
     * interrupted if the lease is lost; else null.
     */
    CompletableFuture<Lease> acquire(LockKeys keys, Duration maxWait, LeaseOptions leaseOptions, Thread interruptOnLoss) {
        Arguments.requireNotNegative(maxWait, "maxWait");
        checkLease(leaseOptions);
        checkOpen();
        LocalLock local = enter(keys);
        Acquisition acquisition = new Acquisition(this, local, leaseOptions, maxWait, interruptOnLoss);
        CompletableFuture<Lease> result = acquisition.result();
        acquisitions.add(result);
        result.whenComplete((lease, error) -> acquisitions.remove(result));
        acquisition.start();
        return result;
    }

    /** Every lease, not only the default one, leaves time for a renewal to time out and be retried. */
    private LeaseOptions checkLease(LeaseOptions leaseOptions) {
        Objects.requireNonNull(leaseOptions, "options");
        LockClientOptions.requireLeaseLongerThanThreeCommandTimeouts(leaseOptions.lease(), "lease", options.commandTimeout());
        return leaseOptions;
    }

    /** The executor of user-facing continuations: never an event loop or the renewer. */
    Executor callbacks() {
        return callbacks;
    }

    RedisLease newLease(LocalLock local, LeaseOptions leaseOptions, Thread interruptOnLoss) {
        return new RedisLease(local.keys(), ownerTokens.next(), leaseOptions, interruptOnLoss, ticker, callbacks, local::ended);
    }

    /** Releases a lease, blocking for the reply of Redis. */
    ReleaseOutcome release(LocalLock local, RedisLease lease) {
        return await(releaseAsync(local, lease));
    }

    /** Waits for a call to the servers from a caller thread, at most twice the command timeout. */
    <T> T await(CompletableFuture<T> future) {
        return Await.bounded(future, options.commandTimeout().multipliedBy(2), error ->
                new LockUnavailableException("Redis at " + servers.describe() + " did not answer within "
                        + options.commandTimeout().multipliedBy(2), error));
    }

    /**
     * Releases a lease: stops its renewal first, then deletes the key on every server where it
     * still holds this lease's owner token. A release whose reply was lost is retried once with the
     * same token; finding the key gone on that retry means the first attempt deleted it.
     */
    CompletableFuture<ReleaseOutcome> releaseAsync(LocalLock local, RedisLease lease) {
        boolean wasHeld = lease.markReleased();
        renewer.untrack(lease);
        if (closed.get()) {
            // close() released the key already, unless the lease had been lost before, or was
            // granted after close() began (an acquisition it failed, whose grant came late):
            // that key is deleted here, while close() still waits for its own releases.
            if (wasHeld) {
                servers.onAll(node -> deleteKey(node, lease, true, "", false));
            }
            lease.end();
            leave(local);
            return CompletableFuture.completedFuture(lease.isLost() ? ReleaseOutcome.ALREADY_LOST : ReleaseOutcome.RELEASED);
        }
        // With more threads of this client waiting, the release queues this client behind the
        // client it wakes; the release after that one is taken now, so that no wake is missed.
        // Not for a lease already lost: the kept subscription may then be its successor's.
        LockServers.Subscription waiting = wasHeld ? local.subscriptionForWaiters() : null;
        String requeue = waiting == null ? "" : servers.waiterId();
        CompletableFuture<Void> releaseAfter = waiting == null ? null : waiting.nextRelease();
        // One server: a lost reply is retried. Several: a majority decides, and a server whose
        // reply was lost counts as one that failed, so the release stays within the timeout.
        CompletableFuture<List<LockServers.Reply<Long>>> deletes = servers.onAll(node -> servers.isSingle()
                ? deleteKeyRetryingOnce(node, lease, requeue)
                : deleteKey(node, lease, true, requeue, false));
        // The hand-over runs on the deletes themselves, which are never cancelled: a caller that
        // gives up waiting (and cancels what it waited for) must not keep the name locked here.
        // The outcome follows the hand-over, so that the releasing thread's next acquisition finds
        // the name's gate open.
        CompletableFuture<List<LockServers.Reply<Long>>> handedOver = deletes.whenComplete((replies, error) -> {
            if (waiting != null) {
                // Queued where a majority says so. Left again if nobody takes the handover, even
                // without that majority: a lost reply may hide a server that queued this client.
                boolean queued = replies != null && replies.stream()
                        .filter(reply -> reply.isOk() && reply.value() == RELEASED_AND_QUEUED).count() >= servers.quorum();
                local.releasedWithWaiters(lease, queued ? releaseAfter : null, () -> servers.leaveQueue(lease.keys()));
            }
            lease.end();
            leave(local);
        });
        return handedOver.thenApply(replies -> {
                    if (!wasHeld) {
                        return ReleaseOutcome.ALREADY_LOST;
                    }
                    Tally tally = Tally.of(replies);
                    if (tally.yes() < servers.quorum() && tally.yes() + tally.failures() >= servers.quorum()) {
                        throw new CompletionException(unavailable(replies));
                    }
                    if (tally.yes() >= servers.quorum()) {
                        return ReleaseOutcome.RELEASED;
                    }
                    lease.lostBeforeRelease(tally.zeros() >= tally.minusOnes()
                            ? LockLostException.Reason.KEY_GONE
                            : LockLostException.Reason.OWNER_CHANGED);
                    return ReleaseOutcome.ALREADY_LOST;
                });
    }

    private LockUnavailableException unavailable(List<LockServers.Reply<Long>> replies) {
        return replies.stream().filter(reply -> !reply.isOk()).map(LockServers.Reply::error)
                .map(error -> error instanceof LockUnavailableException unavailable ? unavailable
                        : new LockUnavailableException("Redis at " + servers.describe() + " failed: " + error, error))
                .findFirst().orElseThrow();
    }

    /**
     * Deletes the key on every server where it is the lease's, ignoring the outcome: cleanup only.
     * {@code wakeWaiters}: whether the lease may have held the lock (one server, or a majority
     * granted it), so that a waiting client must be woken; not for a minority grant under Redlock.
     */
    CompletableFuture<?> releaseQuietly(RedisLease lease, boolean wakeWaiters) {
        // Within the node timeout: a command still queued for a slow server runs when it answers.
        return servers.onAllWithinNodeTimeout(node -> deleteKey(node, lease, wakeWaiters, "", false));
    }

    /**
     * Sends the release again when its reply was lost. Both are remembered on the server, so that
     * the second can tell a key the first deleted from a key that had expired: the lease then was
     * lost, and the release says so.
     */
    private CompletableFuture<Long> deleteKeyRetryingOnce(RedisNode node, RedisLease lease, String requeue) {
        return deleteKey(node, lease, true, requeue, true).exceptionallyCompose(error -> isReplyLost(error)
                ? deleteKey(node, lease, true, requeue, true)
                : CompletableFuture.failedFuture(error));
    }

    /**
     * Runs release.lua. {@code requeue}: this client's waiter id when more of its threads wait (it
     * then queues behind the client the release wakes), else empty; {@code remember}: whether a
     * retry may follow (see {@link #deleteKeyRetryingOnce}).
     */
    private CompletableFuture<Long> deleteKey(RedisNode node, RedisLease lease, boolean wakeWaiters, String requeue,
            boolean remember) {
        return runRelease(node, lease.keys(), lease.owner(), wakeWaiters, requeue, fenceCounterTtlMillis(lease.options()),
                remember);
    }

    /**
     * Runs release.lua: deletes the key if it holds {@code owner}. {@code wakeWaiters}: whether
     * to wake the next waiting client; {@code requeue}: this client's waiter id, to queue it
     * behind the woken one for {@code queueTtlMillis}, or empty; {@code remember}: whether to
     * remember the release for a retry, for twice the command timeout.
     */
    CompletableFuture<Long> runRelease(RedisNode node, LockKeys keys, String owner, boolean wakeWaiters,
            String requeue, long queueTtlMillis, boolean remember) {
        return node.run(LuaScript.RELEASE, ScriptOutputType.INTEGER,
                new String[] {keys.lock(), keys.waiters(), keys.waiterDeadlines(), keys.lastRelease()},
                owner, keys.channel(), wakeWaiters ? "1" : "0", requeue, Long.toString(queueTtlMillis),
                Long.toString(servers.waiterTtl().toMillis()),
                remember ? Long.toString(options.commandTimeout().multipliedBy(2).toMillis()) : "");
    }

    /** A timeout or a broken connection: the command may or may not have run. */
    private static boolean isReplyLost(Throwable error) {
        return RedisNode.unwrap(error) instanceof LockUnavailableException unavailable
                && !(unavailable.getCause() instanceof RedisCommandExecutionException);
    }

    boolean isLocked(LockKeys keys) {
        checkOpen();
        List<LockServers.Reply<Long>> replies =
                await(servers.onAll(node -> node.unavailableOnFailure(node.commands().exists(keys.lock()))));
        Tally tally = Tally.of(replies);
        if (tally.yes() < servers.quorum() && tally.yes() + tally.failures() >= servers.quorum()) {
            throw unavailable(replies);
        }
        return tally.yes() >= servers.quorum();
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

    /** In milliseconds, at least two leases. Plain arithmetic: Duration's goes through BigDecimal on every acquisition. */
    long fenceCounterTtlMillis(LeaseOptions leaseOptions) {
        return Math.max(2 * leaseOptions.lease().toMillis(), options.fenceCounterTtl().toMillis());
    }

    Ticker ticker() {
        return ticker;
    }

    LockServers servers() {
        return servers;
    }

    LeaseRenewer renewer() {
        return renewer;
    }

    /** Lock names with in-process state: acquisitions in progress or holds not released. */
    int namesInUse() {
        return locals.size();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this LockClient (" + servers.describe() + ") is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        IllegalStateException closing = new IllegalStateException("the LockClient (" + servers.describe() + ") was closed");
        acquisitions.forEach(acquisition -> acquisition.completeExceptionally(closing));
        List<CompletableFuture<?>> releases = new ArrayList<>();
        for (LocalLock local : locals.values()) {
            RedisLease lease = local.currentLease();
            // Taken away from its holder: a loss like any other, signalled once, then the key freed.
            if (lease != null && lease.markLost(LockLostException.Reason.CLIENT_CLOSED)) {
                renewer.untrack(lease);
                releases.add(servers.onAll(node -> deleteKey(node, lease, true, "", false)));
            }
        }
        try {
            // Not interruptible: the loss may just have interrupted this very thread (a Lock-view
            // holder that asked for it), which keeps its interrupt status.
            Await.bounded(CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new)),
                    options.commandTimeout().plusSeconds(1), error -> new LockUnavailableException("Redis at "
                            + servers.describe() + " did not confirm the deletes", error));
        } catch (RuntimeException e) {
            log.warn("releasing held leases on close did not finish; their keys expire with their leases", e);
        }
        scheduler.shutdownNow();
        callbacks.shutdown();
        // The loss may have interrupted this very thread; Lettuce's shutdown would give up at once.
        boolean interrupted = Thread.interrupted();
        try {
            servers.close();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
        return "LockClient{" + servers.describe() + ", namespace=" + options.namespace() + "}";
    }
}
