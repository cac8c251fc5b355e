package dev.fencelock.spi;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockEvents;
import dev.fencelock.LockException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One acquisition in progress, asynchronous from end to end so that waiting costs no thread:
 * take the local gate, ask the store; when it grants the lock in time, the lock is ours; otherwise
 * watch the lock's releases and try again at the next release, or when the store's
 * {@linkplain Attempt.Refused#retryAfter() retry time} runs out, until the deadline. While a
 * foreign client holds the lock, whose release nobody announces, it polls with a backoff instead
 * ({@link ForeignHolderPoll}).
 *
 * <p>Whatever happens, the acquisition ends with its {@link #result()} completed once, the gate
 * passed on unless a lease was won, and a lease won after the result was abandoned (timed out or
 * cancelled) released at once.
 */
final class Acquisition {
    /** Longer than any process lives, and far enough from overflow to add to a nanoTime reading. */
    private static final long FOREVER = Long.MAX_VALUE / 4;

    private final LockEngine engine;
    private final LockStore store;
    private final LocalLock local;
    private final LeaseOptions options;
    /** The Lock view's holding thread, to interrupt if the lease is lost; null for a lease. */
    private final Thread interruptOnLoss;
    /** For a read: the owner token of the write lease its thread holds, to be granted beside it; else null. */
    private final String alongside;
    /**
     * Whether this acquisition takes the name's local gate: not a downgrade, which must not queue
     * behind readers of its own client that wait for its own write lease.
     */
    private final boolean gated;
    private final long startedAt;
    private final long deadline;
    private final Duration maxWait;
    /** Whether a refused attempt queues this client as a waiter: not when it will not wait. */
    private final boolean willWait;
    /** Whether an attempt may have queued this client, which must leave the queue if it gives up. */
    private volatile boolean queued;
    private final CompletableFuture<Lease> result = new CompletableFuture<>();
    /** Set once, by the step that wins the lease or fails: the gate is handed on at most once. */
    private final AtomicBoolean ended = new AtomicBoolean();
    /**
     * Set once, by the grant that wins the lease, an attempt's or a release's pass: a pass that
     * comes after the acquisition failed is given back instead.
     */
    private final AtomicBoolean won = new AtomicBoolean();
    /**
     * Releases of this client on their way that name this acquisition to the store, which may pass
     * it a permit (see {@link #reserveForPass}); whether an attempt is on its way; whether one waits
     * for those releases. Guarded by this.
     */
    private int passesPending;
    private boolean attemptInFlight;
    private boolean attemptDeferred;
    private ReleaseWatch watch;
    /** Why the last attempt failed when too little of the store answered; null when it answered "held". */
    private Throwable unavailable;
    /** When the attempts began to go unanswered ({@link #unavailable} set since), on the engine's ticker. */
    private long unavailableSince;
    /** Whether an attempt was sent: every later one must start before the deadline. */
    private volatile boolean attempted;
    /**
     * The lease of the attempt in flight, watched by the renewer until the attempt is judged; for
     * a fair lock, the one lease of every attempt, whose owner token keeps the place in the queue.
     */
    private volatile EngineLease attemptLease;
    /**
     * Ends the current wait between attempts: {@code true} when its timer ran out, {@code false}
     * when it ended early, at an announced release or when the result was abandoned. A new one per
     * wait; the futures that end it early each hold one dependent for the whole acquisition, not
     * one per wait, so that waiting for a day costs no memory.
     */
    private volatile CompletableFuture<Boolean> wake = new CompletableFuture<>();
    /** The release future that already completes {@link #wake}. */
    private CompletableFuture<Void> watchedRelease;
    /** The polling backoff while a foreign client holds the lock; null while a Fencelock client does. */
    private ForeignHolderPoll foreignHolderPoll;

    Acquisition(LockEngine engine, LocalLock local, LeaseOptions options, Duration maxWait, Thread interruptOnLoss,
            String alongside) {
        this.engine = engine;
        this.store = engine.store();
        this.local = local;
        this.options = options;
        this.interruptOnLoss = interruptOnLoss;
        this.alongside = alongside;
        this.gated = alongside == null;
        this.maxWait = maxWait;
        this.willWait = maxWait.compareTo(Duration.ZERO) > 0;
        this.startedAt = engine.ticker().nanoTime();
        this.deadline = startedAt + saturatedNanos(maxWait);
    }

    CompletableFuture<Lease> result() {
        return result;
    }

    void start() {
        result.whenComplete((lease, error) -> {
            wake.complete(false);
            if (error != null) {
                leaveQueueOnceAbandoned();
            }
        });
        if (gated) {
            // A lease of this client past its deadline, whose loss the watchdog has not reported yet
            // (its tick may run a little late) or is still signalling, hands the gate on now
            // instead of refusing this acquisition a lock that the store already let go.
            local.currentLeases().forEach(EngineLease::endIfLost);
        }
        CompletableFuture<Handover> turn = gated ? local.enterGate() : CompletableFuture.completedFuture(null);
        if (!turn.isDone()) {
            turn.whenComplete((handover, error) -> {
                if (error != null) {
                    local.leaveGate(turn);
                }
            });
            turn.orTimeout(Math.max(0, deadline - engine.ticker().nanoTime()), TimeUnit.NANOSECONDS);
            result.whenComplete((lease, error) -> turn.cancel(false));
        }
        turn.whenComplete((handover, error) -> {
            if (error == null) {
                resume(handover);
            } else {
                fail(Await.unwrap(error) instanceof TimeoutException ? timeout() : Await.unwrap(error), false);
            }
        });
    }

    /** Goes on with what the previous lease of this client handed on: try at once, or wait to be named. */
    private void resume(Handover handover) {
        if (handover == null && willWait && store.watchesBeforeFirstAttempt(local.kind())) {
            attemptLease = engine.newLease(local, options, interruptOnLoss);
            watchThenAttempt();
            return;
        }
        if (handover == null) {
            attempt();
            return;
        }
        watch = handover.watch();
        // The release may have queued this client even when the store did not say so (a lost
        // reply): giving up then leaves the queue.
        queued = handover.leaveQueue() != null;
        if (!handover.isQueued()) {
            attempt();
            return;
        }
        // The release woke another client and queued this one behind it: trying now would
        // overtake the clients that waited longer. As after any release that names another
        // client, a try follows the designation timeout at the latest.
        try {
            retryAfter(store.designationTimeout().toNanos(), handover.nextRelease());
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
     * bounded wait ends within one call timeout of its deadline.
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
        synchronized (this) {
            if (passesPending > 0) {
                // A release that names this acquisition is on its way: its reply goes first.
                attemptDeferred = true;
                return;
            }
            attemptInFlight = true;
        }
        EngineLease lease = local.queuesEachAcquisition() && attemptLease != null
                ? attemptLease : engine.newLease(local, options, interruptOnLoss);
        CompletableFuture<Void> nextRelease = watch == null ? null : watch.nextRelease();
        attemptLease = lease;
        engine.renewer().track(lease);
        long sentAt = engine.ticker().nanoTime();
        LockEngine.call(() -> local.target().acquire(store, lease.owner(), options.lease(), willWait, alongside))
                .thenAccept(attempt -> judge(lease, sentAt, attempt, nextRelease))
                .exceptionally(this::failUnexpectedly);
    }

    private void judge(EngineLease lease, long sentAt, Attempt attempt, CompletableFuture<Void> nextRelease) {
        synchronized (this) {
            attemptInFlight = false;
        }
        if (attempt instanceof Attempt.Granted granted) {
            if (engine.ticker().nanoTime() - sentAt < granted.validity().toNanos()) {
                won(lease, granted, sentAt);
                return;
            }
            // Granted too late to use: give it back, and try again after a pause. A fair
            // acquisition tries again with a new owner token, at the back of the queue: the give-back
            // (retried if its reply is lost) must not delete a later grant to the same token.
            engine.renewer().untrack(lease);
            engine.releaseQuietly(lease);
            boolean newOwner = local.queuesEachAcquisition();
            if (newOwner) {
                // The store wakes a queued acquisition by its owner token: watch again for the new one.
                // A release passes a permit by it too: the old token no longer waits.
                local.stopsWaitingForPermit(lease.owner());
                attemptLease = null;
                if (watch != null) {
                    LockEngine.bestEffort(watch::close);
                    watch = null;
                }
            }
            unavailable = null;
            retryAfter(store.retryPause().toNanos(), newOwner ? null : nextRelease);
            return;
        }
        engine.renewer().untrack(lease);
        queued |= willWait;
        if (attempt instanceof Attempt.Refused refused) {
            unavailable = null;
            if (willWait && local.kind() == LockKind.PERMIT) {
                local.waitsForPermit(lease.owner(), this);
            }
            if (watch != null) {
                local.target().refused(watch, refused);
            }
            waitForRelease(waitAfterRefusal(refused), nextRelease);
        } else if (attempt instanceof Attempt.Unavailable failed) {
            if (failed.retryAfter() == null) {
                fail(failed.cause(), true);
            } else if (keepsTryingAfter(failed.cause())) {
                retryAfter(failed.retryAfter().toNanos(), nextRelease);
            }
        } else if (attempt instanceof Attempt.Rejected rejected) {
            fail(rejected.reason(), true);
        }
    }

    /**
     * How long to wait for an announced release before trying again: what the store said for a
     * Fencelock holder; for a foreign holder, whose release nobody announces, the next wait of a
     * polling backoff, capped by the store's time.
     */
    private Duration waitAfterRefusal(Attempt.Refused refused) {
        if (refused.releaseAnnounced()) {
            foreignHolderPoll = null;
            return refused.retryAfter();
        }
        if (foreignHolderPoll == null) {
            foreignHolderPoll = new ForeignHolderPoll();
        }
        return Duration.ofNanos(foreignHolderPoll.nextDelayNanos(refused.retryAfter().toNanos()));
    }

    /**
     * Whether a release of this client may name this acquisition to the store, to be passed the
     * permit it frees ({@link LockStore#releasePermit}): only while no attempt of it is on its way,
     * and its next attempt then waits for the release's reply ({@link #passEnded}). So no attempt
     * crosses a pass: the store gives back what a failed attempt may have been granted (a lost
     * reply may hide a grant), and that give-back, after the pass at the store, would take the
     * passed permit from under the lease the pass hands out. Nor while an attempt waits already:
     * it waits for the releases on their way only, not for every later one, and so goes out in
     * time to keep the acquisition's place in the store's queue alive.
     */
    synchronized boolean reserveForPass() {
        if (attemptInFlight || attemptDeferred || ended.get()) {
            return false;
        }
        passesPending++;
        return true;
    }

    /**
     * Given up (cancelled, the client closing) while no wait of its own could notice: leaves the
     * queue an attempt may have put this acquisition in now, rather than at the next step it waits
     * for (an attempt's reply, or the watch it subscribes before trying again), which may never
     * come (a client closed next). On a connection the leave goes behind that attempt. The step
     * still ends the acquisition as before, leaving the queue once more: a store that learns of the
     * place only from the reply (ZooKeeper's waiting node) finds it then.
     */
    private void leaveQueueOnceAbandoned() {
        EngineLease lease = attemptLease;
        // Ended already, it left the queue before it handed the gate on; a leave now could take the
        // place of the client's next acquisition of the name (one waiter id for them all).
        if (willWait && lease != null && !ended.get()) {
            LockEngine.bestEffort(() -> local.target().stopWaiting(store, lease.owner()));
        }
    }

    /** Whether an attempt waits for the reply of a release that named this acquisition; for the tests. */
    synchronized boolean isAttemptDeferred() {
        return attemptDeferred;
    }

    /**
     * A release that named this acquisition ({@link #reserveForPass}) has answered, or failed:
     * {@code passed} is the permit it granted this acquisition in a call sent at {@code sentAt}, or
     * null. An attempt that waited for it goes out now, unless the pass won the lease.
     */
    void passEnded(Released.Passed passed, long sentAt) {
        boolean resume;
        synchronized (this) {
            resume = --passesPending == 0 && attemptDeferred;
            attemptDeferred &= !resume;
        }
        if (passed != null) {
            passed(passed, sentAt);
        }
        if (resume && !won.get()) {
            attempt();
        }
    }

    /**
     * A release of this client granted this acquisition, queued as {@code passed.owner()}, the permit
     * it freed ({@link LockStore#releasePermit}), in a call sent at {@code sentAt}.
     */
    private void passed(Released.Passed passed, long sentAt) {
        EngineLease lease = attemptLease;
        if (lease == null || !lease.owner().equals(passed.owner())) {
            // Granted to an owner token this acquisition no longer uses: nobody else will, give it back.
            LockEngine.call(() -> local.target().release(store, passed.owner(), false));
            return;
        }
        Duration validity = store.validity(options.lease());
        if (engine.ticker().nanoTime() - sentAt >= validity.toNanos()) {
            // Too late to use, and so run out at the store, or all but. Not given back: an attempt of
            // this acquisition, with the same owner token, may have been granted the permit again
            // meanwhile, and the give-back would take it from under that grant. The acquisition goes
            // on waiting; its next attempt is granted the permit again or queues anew.
            return;
        }
        won(lease, new Attempt.Granted(passed.fencingToken(), validity), sentAt);
    }

    /** The lease this acquisition asked for. */
    Duration askedLease() {
        return options.lease();
    }

    private void won(EngineLease lease, Attempt.Granted granted, long sentAt) {
        if (!won.compareAndSet(false, true)) {
            return;
        }
        if (!ended.compareAndSet(false, true)) {
            // A release passed the permit after this acquisition had failed (timed out, cancelled,
            // client closed): fail() left the name already, so the grant is only given back; as an
            // abandoned win it would leave the name a second time, and the name's state would be
            // forgotten under the leases still held through it.
            engine.renewer().untrack(lease);
            engine.releaseQuietly(lease);
            return;
        }
        local.stopsWaitingForPermit(lease.owner());
        // A lease passed by a release was untracked when its attempt was refused. Tracked only by the
        // grant that wins: a pass whose crossing attempt won first may come after that lease was
        // released, and must not put it back in the renewer.
        engine.renewer().track(lease);
        // The watch goes with the lease: the next acquisition of this client waits on with it,
        // without watching and trying twice; it is closed when nobody takes it. Recorded before
        // the lease is held, so that a loss cannot end it before it is the current lease.
        local.held(lease, watch, gated);
        watch = null;
        lease.granted(granted.fencingToken(), sentAt, granted.validity());
        try {
            engine.renewer().granted(lease);
            engine.events().leaseGranted(local.name());
        } finally {
            boolean handedOut = result.complete(new Hold(engine, local, lease));
            if (!handedOut) {
                // Abandoned (timed out, cancelled, client closed) while the acquire was on its
                // way: give the lock straight back.
                engine.releaseAsync(local, lease);
            }
            report(handedOut ? LockEvents.Outcome.ACQUIRED : LockEvents.Outcome.ABANDONED);
        }
    }

    private void waitForRelease(Duration retryAfter, CompletableFuture<Void> nextRelease) {
        if (isPastDeadline()) {
            return;
        }
        if (watch == null) {
            // Watch, then try again at once: a release between the first try and the watch would
            // not be announced to us.
            watchThenAttempt();
            return;
        }
        retryAfter(retryAfter.toNanos(), nextRelease);
    }

    /**
     * Watches the name's releases for the acquisition of {@link #attemptLease}'s owner token, then
     * tries. A watch that fails because the store, or a part of it, cannot be reached counts as an
     * unanswered try (see {@link #keepsTryingAfter}): within the store's outage allowance the
     * acquisition tries again after a pause, and that attempt finds out whether the store can be
     * reached.
     */
    private void watchThenAttempt() {
        String owner = attemptLease.owner();
        LockEngine.call(() -> local.target().watch(store, owner)).whenComplete((watching, error) -> {
            Throwable cause = error == null ? null : Await.unwrap(error);
            if (cause == null) {
                watch = watching;
                attempt();
            } else if (cause instanceof LockUnavailableException) {
                if (keepsTryingAfter(cause)) {
                    retryAfter(store.retryPause().toNanos(), null);
                }
            } else {
                fail(cause, true);
            }
        });
    }

    /**
     * Records an attempt or a watch that too little of the store answered, and whether to try
     * again: not once the store has gone unanswered for its {@linkplain LockStore#outageAllowance
     * outage allowance}, whatever is left of the wait, so that a wait without end ({@code lock()})
     * does not outlast an outage without end either. The acquisition then fails.
     */
    private boolean keepsTryingAfter(Throwable cause) {
        long now = engine.ticker().nanoTime();
        if (unavailable == null) {
            unavailableSince = now;
        }
        unavailable = cause;
        Duration allowance = store.outageAllowance();
        if (now - unavailableSince < allowance.toNanos()) {
            return true;
        }
        fail(new LockUnavailableException("lock '" + local.name() + "': too little of " + store.describe()
                + " answered for " + allowance + " (its outage allowance); last failure: " + cause.getMessage(), cause), true);
        return false;
    }

    /**
     * Tries again after {@code delayNanos} (at the latest after the store's keep-alive interval, so
     * that the store sees this client alive), or at the next announced release, or gives up at the
     * deadline.
     */
    private void retryAfter(long delayNanos, CompletableFuture<Void> nextRelease) {
        if (isPastDeadline()) {
            return;
        }
        delayNanos = Math.min(delayNanos, store.keepAliveInterval(local.kind()).toNanos());
        long remaining = deadline - engine.ticker().nanoTime();
        CompletableFuture<Boolean> next = new CompletableFuture<>();
        wake = next;
        if (result.isDone() || nextRelease != null && nextRelease.isDone()) {
            next.complete(false);
        } else if (nextRelease != null && nextRelease != watchedRelease) {
            watchedRelease = nextRelease;
            nextRelease.thenRun(() -> wake.complete(false));
        }
        boolean timerIsDeadline = delayNanos >= remaining;
        // completeOnTimeout cancels its timer when the wait ends early: no timer outlives its wait.
        next.completeOnTimeout(true, Math.min(delayNanos, remaining), TimeUnit.NANOSECONDS)
                .thenAccept(timedOut -> attempt(timedOut && timerIsDeadline))
                .exceptionally(this::failUnexpectedly);
    }

    /** Fails the acquisition if its time is up or it was abandoned, and says so. */
    private boolean isPastDeadline() {
        if (deadline - engine.ticker().nanoTime() > 0 && !result.isDone()) {
            return false;
        }
        fail(unavailable != null ? unavailableAtDeadline() : timeout(), true);
        return true;
    }

    private LockTimeoutException timeout() {
        return new LockTimeoutException(local.kind() == LockKind.PERMIT
                ? "semaphore '" + local.name() + "' had no permit free for this acquisition; gave up after waiting " + maxWait
                : "lock '" + local.name() + "' is held by another owner; gave up after waiting " + maxWait);
    }

    private LockUnavailableException unavailableAtDeadline() {
        return new LockUnavailableException("lock '" + local.name() + "': too little of " + store.describe()
                + " answered within " + maxWait + "; last failure: " + unavailable.getMessage(), unavailable);
    }

    /**
     * A bug in a continuation must fail the acquisition, not leave it pending forever (the
     * store's client and the JDK would swallow the exception).
     */
    private Void failUnexpectedly(Throwable error) {
        EngineLease unjudged = attemptLease;
        if (unjudged != null && !ended.get()) {
            // The attempt in flight may have been granted: give it back rather than leave the lock
            // held for a whole lease.
            engine.releaseQuietly(unjudged);
        }
        fail(new LockException("acquisition of lock '" + local.name() + "' failed unexpectedly",
                Await.unwrap(error)), true);
        return null;
    }

    /** Ends without a lease, once. {@code gateTaken}: whether this acquisition holds the gate. */
    private void fail(Throwable error, boolean gateTaken) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        try {
            if (watch != null) {
                LockEngine.bestEffort(watch::close);
                watch = null;
            }
            if (attemptLease != null) {
                engine.renewer().untrack(attemptLease);
                local.stopsWaitingForPermit(attemptLease.owner());
            }
            if (queued) {
                String owner = attemptLease == null ? null : attemptLease.owner();
                LockEngine.bestEffort(() -> local.target().stopWaiting(store, owner));
            }
        } finally {
            if (gateTaken && gated) {
                local.exitGate();
            }
            engine.leave(local);
            boolean failedHere = result.completeExceptionally(error);
            report(!failedHere ? LockEvents.Outcome.ABANDONED
                    : error instanceof LockTimeoutException ? LockEvents.Outcome.TIMED_OUT
                    : error instanceof LockUnavailableException ? LockEvents.Outcome.UNAVAILABLE
                    : LockEvents.Outcome.FAILED);
        }
    }

    private void report(LockEvents.Outcome outcome) {
        engine.events().acquisitionEnded(local.name(), outcome, Duration.ofNanos(engine.ticker().nanoTime() - startedAt));
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return Math.min(duration.toNanos(), FOREVER);
        } catch (ArithmeticException e) {
            return FOREVER;
        }
    }
}
