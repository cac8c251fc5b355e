package dev.fencelock;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One acquisition in progress, asynchronous from end to end so that waiting costs no thread:
 * take the local gate, send the acquire script to every server; when a quorum granted it in time,
 * the lock is ours; otherwise subscribe to the lock's release channel and try again at the next
 * release, when the holder's lease runs out, or (with several servers) after a random pause,
 * until the deadline.
 *
 * <p>With several servers (Redlock), a failed attempt is released on all of them, and a won one
 * writes its fencing token — the largest minted by the granting servers — back to a majority
 * before it is handed out, so that the next majority, which shares a server with this one, mints
 * larger tokens. Tokens come from the servers' clocks and counters only, never from this client's
 * clock.
 *
 * <p>Whatever happens, the acquisition ends with its {@link #result()} completed once, the gate
 * passed on unless a lease was won, and a lease won after the result was abandoned (timed out or
 * cancelled) released at once.
 */
final class Acquisition {
    /** How often to retry a lock whose key has no expiry (set by a foreign client). */
    private static final long FOREIGN_LOCK_POLL = TimeUnit.MILLISECONDS.toNanos(250);
    /** Longer than any process lives, and far enough from overflow to add to a nanoTime reading. */
    private static final long FOREVER = Long.MAX_VALUE / 4;

    private final RedisLockClient client;
    private final LockServers servers;
    private final LocalLock local;
    private final LeaseOptions options;
    /** The Lock view's holding thread, to interrupt if the lease is lost; null for a lease. */
    private final Thread interruptOnLoss;
    private final long deadline;
    private final Duration maxWait;
    /** Whether a failed attempt queues this client as a waiter: not when it will not wait. */
    private final boolean willWait;
    /** Whether an attempt may have queued this client, which must leave the queue if it gives up (or wins elsewhere). */
    private volatile boolean queued;
    private final CompletableFuture<Lease> result = new CompletableFuture<>();
    /** Set once, by the step that wins the lease or fails: the gate is handed on at most once. */
    private final AtomicBoolean ended = new AtomicBoolean();
    private LockServers.Subscription subscription;
    /** Why the last attempt failed when too few servers answered; null when they answered "held". */
    private Throwable unavailable;
    /** Whether an attempt was sent: every later one must start before the deadline. */
    private volatile boolean attempted;
    /** The lease of the attempt in flight, watched by the renewer until the attempt is judged. */
    private volatile RedisLease attemptLease;
    /**
     * Ends the current wait between attempts early: at an announced release, or when the result is
     * abandoned. A new one per wait; the futures it is completed from each hold one dependent for
     * the whole acquisition, not one per wait, so that waiting for a day costs no memory.
     */
    private volatile CompletableFuture<Void> wake = new CompletableFuture<>();
    /** The release future that already completes {@link #wake}. */
    private CompletableFuture<Void> watchedRelease;

    Acquisition(RedisLockClient client, LocalLock local, LeaseOptions options, Duration maxWait, Thread interruptOnLoss) {
        this.client = client;
        this.servers = client.servers();
        this.local = local;
        this.options = options;
        this.interruptOnLoss = interruptOnLoss;
        this.maxWait = maxWait;
        this.willWait = maxWait.compareTo(Duration.ZERO) > 0;
        this.deadline = client.ticker().nanoTime() + saturatedNanos(maxWait);
    }

    CompletableFuture<Lease> result() {
        return result;
    }

    void start() {
        result.whenComplete((lease, error) -> wake.complete(null));
        CompletableFuture<Handover> turn = local.enterGate();
        if (!turn.isDone()) {
            turn.orTimeout(Math.max(0, deadline - client.ticker().nanoTime()), TimeUnit.NANOSECONDS);
            result.whenComplete((lease, error) -> turn.cancel(false));
        }
        turn.whenComplete((handover, error) -> {
            if (error == null) {
                resume(handover);
            } else {
                fail(RedisNode.unwrap(error) instanceof TimeoutException ? timeout() : RedisNode.unwrap(error), false);
            }
        });
    }

    /** Goes on with what the previous lease of this client handed on: try at once, or wait to be named. */
    private void resume(Handover handover) {
        if (handover == null) {
            attempt();
            return;
        }
        subscription = handover.subscription();
        // The release may have queued this client even when no majority said so (a lost reply):
        // giving up then leaves the queue.
        queued = handover.leaveQueue() != null;
        if (!handover.isQueued()) {
            attempt();
            return;
        }
        // The release woke another client and queued this one behind it: trying now would
        // overtake the clients that waited longer. As after any release that names another
        // client, a try follows the designation timeout at the latest.
        try {
            retryAfter(servers.designationTimeout().toNanos(), handover.nextRelease());
        } catch (RuntimeException e) {
            failUnexpectedly(e);
        }
    }

    private void attempt() {
        attempt(false);
    }

    /**
     * Sends an attempt: the first one always, a later one only before the deadline, or when it is
     * the last try that a wait scheduled for the deadline itself ({@code atDeadline}). So a
     * bounded wait ends within one command timeout of its deadline.
     */
    private void attempt(boolean atDeadline) {
        if (attempted && !atDeadline && isPastDeadline()) {
            return;
        }
        attempted = true;
        try {
            sendAttempt();
        } catch (RuntimeException e) {
            failUnexpectedly(e);
        }
    }

    private void sendAttempt() {
        if (result.isDone()) {
            fail(new IllegalStateException("abandoned"), true);
            return;
        }
        LockKeys keys = local.keys();
        RedisLease lease = client.newLease(local, options, interruptOnLoss);
        CompletableFuture<Void> nextRelease = subscription == null ? null : subscription.nextRelease();
        attemptLease = lease;
        client.renewer().track(lease);
        String[] keyArray = {keys.lock(), keys.fence(), keys.waiters(), keys.waiterDeadlines()};
        String leaseMillis = Long.toString(options.lease().toMillis());
        String fenceTtlMillis = Long.toString(client.fenceCounterTtlMillis(options));
        String waiter = willWait ? servers.waiterId() : "";
        String waiterTtlMillis = Long.toString(servers.waiterTtl().toMillis());
        long sentAt = client.ticker().nanoTime();
        servers.<List<Long>>onAllWithinNodeTimeout(node -> node.run(LuaScript.ACQUIRE, ScriptOutputType.MULTI,
                        keyArray, lease.owner(), leaseMillis, fenceTtlMillis, waiter, waiterTtlMillis))
                .thenAccept(replies -> judge(lease, sentAt, replies, nextRelease))
                .exceptionally(this::failUnexpectedly);
    }

    private void judge(RedisLease lease, long sentAt, List<LockServers.Reply<List<Long>>> replies,
            CompletableFuture<Void> nextRelease) {
        // A server that answered "held", or did not answer, may have queued this client.
        queued |= willWait && replies.stream().anyMatch(reply -> !reply.isOk() || reply.value().get(0) == 0);
        List<LockServers.Reply<List<Long>>> granted =
                replies.stream().filter(reply -> reply.isOk() && reply.value().get(0) == 1).toList();
        if (granted.size() >= servers.quorum() && isStillValid(sentAt)) {
            long token = granted.stream().mapToLong(reply -> reply.value().get(1)).max().orElseThrow();
            if (servers.isSingle()) {
                won(lease, token, sentAt);
            } else {
                raiseFence(lease, token, sentAt, nextRelease);
            }
            return;
        }
        client.renewer().untrack(lease);
        List<LockServers.Reply<List<Long>>> failed = replies.stream().filter(reply -> !reply.isOk()).toList();
        if ((!granted.isEmpty() || !failed.isEmpty()) && !servers.isSingle()) {
            // Partial grants and late grants: delete the key wherever it is ours before trying
            // again or giving up, so that nobody sees a lock this attempt did not win. A minority
            // grant freed nothing, so it wakes nobody: a waiter woken for it would only find the
            // lock held, and its own cleanup would wake the next, down the whole queue.
            boolean majorityGranted = granted.size() >= servers.quorum();
            client.releaseQuietly(lease, majorityGranted)
                    .whenComplete((done, error) -> retryOrFail(replies, failed, nextRelease));
            return;
        }
        if (!failed.isEmpty() || !granted.isEmpty()) {
            // A lost reply may hide a grant, and a grant may come too late to use; the cleanup is
            // not waited for, so that an unreachable server fails the acquisition within the
            // command timeout.
            client.releaseQuietly(lease, true);
        }
        retryOrFail(replies, failed, nextRelease);
    }

    private void retryOrFail(List<LockServers.Reply<List<Long>>> replies, List<LockServers.Reply<List<Long>>> failed,
            CompletableFuture<Void> nextRelease) {
        if (failed.size() > servers.size() - servers.quorum()) {
            unavailable = failed.get(0).error();
            if (servers.isSingle()) {
                fail(unavailable, true);
            } else {
                retryAfter(servers.retryDelayNanos(), nextRelease);
            }
            return;
        }
        unavailable = null;
        waitForRelease(holderRemaining(replies), nextRelease);
    }

    /** Whether a grant whose acquire was sent at {@code sentAt} still leaves validity to hand out. */
    private boolean isStillValid(long sentAt) {
        return client.ticker().nanoTime() - sentAt < servers.validity(options.lease()).toNanos();
    }

    /**
     * Redlock: writes the token back to every master, and hands the lease out once a majority that
     * holds it confirmed, while it is still valid.
     */
    private void raiseFence(RedisLease lease, long token, long sentAt, CompletableFuture<Void> nextRelease) {
        LockKeys keys = local.keys();
        String[] keyArray = {keys.lock(), keys.fence()};
        String fenceTtlMillis = Long.toString(client.fenceCounterTtlMillis(options));
        // Sent to every master, judged as soon as a majority decides: the slower masters' counters
        // are raised all the same, as their commands run.
        servers.<Long>onAllWithinNodeTimeout(node -> node.run(LuaScript.RAISE_FENCE, ScriptOutputType.INTEGER,
                        keyArray, lease.owner(), Long.toString(token), fenceTtlMillis),
                        replies -> Tally.of(replies).isDecided(servers.quorum()))
                .thenAccept(replies -> {
                    if (Tally.of(replies).yes() >= servers.quorum() && isStillValid(sentAt)) {
                        won(lease, token, sentAt);
                    } else {
                        client.renewer().untrack(lease);
                        unavailable = null;
                        client.releaseQuietly(lease, true).whenComplete((done, error) ->
                                retryAfter(servers.retryDelayNanos(), nextRelease));
                    }
                })
                .exceptionally(this::failUnexpectedly);
    }

    private void won(RedisLease lease, long token, long sentAt) {
        ended.set(true);
        if (queued && !servers.isSingle()) {
            // The masters that did not grant this attempt queued this client, and would name it
            // at their next release although it no longer waits.
            servers.leaveQueue(local.keys());
        }
        lease.granted(token, sentAt, servers.validity(options.lease()));
        // The subscription goes with the lease: the next acquisition of this client waits on with
        // it, without subscribing and trying twice; it is closed when nobody takes it.
        local.held(lease, subscription);
        subscription = null;
        try {
            client.renewer().granted(lease);
        } finally {
            if (!result.complete(new Hold(client, local, lease))) {
                // Abandoned (timed out, cancelled, client closed) while the acquire was on its
                // way: give the lock straight back.
                client.releaseAsync(local, lease);
            }
        }
    }

    /**
     * How long the current holder's lease still runs, in nanoseconds, when a majority of servers
     * report one; -1 for a holder without expiry; -2 when there is no majority holder to wait for
     * (a split vote between competing clients).
     */
    private long holderRemaining(List<LockServers.Reply<List<Long>>> replies) {
        List<Long> pttls = replies.stream()
                .filter(reply -> reply.isOk() && reply.value().get(0) == 0)
                .map(reply -> reply.value().get(1))
                .sorted()
                .toList();
        if (pttls.size() < servers.quorum()) {
            return -2;
        }
        // The lock frees up once a majority has let the key expire.
        long pttl = pttls.get(pttls.size() - servers.quorum());
        return pttl < 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(pttl + 1);
    }

    private void waitForRelease(long holderRemaining, CompletableFuture<Void> nextRelease) {
        if (isPastDeadline()) {
            return;
        }
        if (subscription == null) {
            // Subscribe, then try again at once: a release between the first try and the
            // subscription would not be announced to us.
            servers.subscribe(local.keys().channel()).whenComplete((subscribed, error) -> {
                if (error != null) {
                    fail(RedisNode.unwrap(error), true);
                } else {
                    subscription = subscribed;
                    attempt();
                }
            });
            return;
        }
        long delay = holderRemaining >= 0 ? holderRemaining
                : holderRemaining == -1 ? FOREIGN_LOCK_POLL
                : servers.retryDelayNanos();
        retryAfter(delay, nextRelease);
    }

    /**
     * Tries again after {@code delayNanos} (at the latest after the waiter keep-alive, so that the
     * queue sees this client alive), or at the next announced release, or gives up at the deadline.
     */
    private void retryAfter(long delayNanos, CompletableFuture<Void> nextRelease) {
        if (isPastDeadline()) {
            return;
        }
        delayNanos = Math.min(delayNanos, servers.waiterKeepAlive().toNanos());
        long remaining = deadline - client.ticker().nanoTime();
        CompletableFuture<Void> next = new CompletableFuture<>();
        wake = next;
        if (result.isDone() || nextRelease != null && nextRelease.isDone()) {
            next.complete(null);
        } else if (nextRelease != null && nextRelease != watchedRelease) {
            watchedRelease = nextRelease;
            nextRelease.thenRun(() -> wake.complete(null));
        }
        boolean atDeadline = delayNanos >= remaining;
        // completeOnTimeout cancels its timer when the wait ends early: no timer outlives its wait.
        next.completeOnTimeout(null, Math.min(delayNanos, remaining), TimeUnit.NANOSECONDS)
                .thenRun(() -> attempt(atDeadline))
                .exceptionally(this::failUnexpectedly);
    }

    /** Fails the acquisition if its time is up or it was abandoned, and says so. */
    private boolean isPastDeadline() {
        if (deadline - client.ticker().nanoTime() > 0 && !result.isDone()) {
            return false;
        }
        fail(unavailable != null ? unavailableAtDeadline() : timeout(), true);
        return true;
    }

    private LockTimeoutException timeout() {
        return new LockTimeoutException("lock '" + local.keys().name() + "' is held by another owner;"
                + " gave up after waiting " + maxWait);
    }

    private LockUnavailableException unavailableAtDeadline() {
        return new LockUnavailableException("lock '" + local.keys().name() + "': too few of " + servers.describe()
                + " answered to reach a majority within " + maxWait + "; last failure: " + unavailable.getMessage(),
                unavailable);
    }

    /**
     * A bug in a continuation must fail the acquisition, not leave it pending forever (Lettuce
     * and the JDK would swallow the exception).
     */
    private Void failUnexpectedly(Throwable error) {
        RedisLease unjudged = attemptLease;
        if (unjudged != null && !ended.get()) {
            // The attempt in flight may have been granted: give it back rather than leave the key
            // locked for a whole lease.
            client.releaseQuietly(unjudged, true);
        }
        fail(new LockException("acquisition of lock '" + local.keys().name() + "' failed unexpectedly",
                RedisNode.unwrap(error)), true);
        return null;
    }

    /** Ends without a lease, once. {@code gateTaken}: whether this acquisition holds the gate. */
    private void fail(Throwable error, boolean gateTaken) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        closeSubscription();
        if (attemptLease != null) {
            client.renewer().untrack(attemptLease);
        }
        if (queued) {
            servers.leaveQueue(local.keys());
        }
        if (gateTaken) {
            local.exitGate();
        }
        client.leave(local);
        result.completeExceptionally(error);
    }

    private void closeSubscription() {
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return Math.min(duration.toNanos(), FOREVER);
        } catch (ArithmeticException e) {
            return FOREVER;
        }
    }
}
