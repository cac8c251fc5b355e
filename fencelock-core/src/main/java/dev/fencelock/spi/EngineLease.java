package dev.fencelock.spi;

import dev.fencelock.LeaseOptions;
import dev.fencelock.LockLostException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The state of one acquisition: its owner token, its fencing token, its local deadline and its
 * lost signal. Owned by its owner token, never by a thread: the lease ends when it is released or
 * when it is lost, whichever comes first.
 *
 * <p>The state moves once, from {@code ACQUIRING} to {@code HELD} and from there to either
 * {@code RELEASED} or {@code LOST}, by compare-and-set, so a renewal reply that arrives after a
 * release cannot report the released lease lost, and a loss is signalled exactly once.
 */
final class EngineLease {
    private enum State { ACQUIRING, HELD, RELEASED, LOST }

    private final LockTarget target;
    private final LockKind kind;
    private final String name;
    private final String owner;
    private final LeaseOptions options;
    /** The thread that holds the lease through the Lock view and asked to be interrupted on loss; else null. */
    private final Thread interruptOnLoss;
    /** Set by whichever thread interrupts {@link #interruptOnLoss} for the loss: it is interrupted once. */
    private final AtomicBoolean holderInterrupted = new AtomicBoolean();
    private final Ticker ticker;
    private final StoreDeadline storeDeadline;
    private final Consumer<EngineLease> onEnd;
    private final AtomicReference<State> state = new AtomicReference<>(State.ACQUIRING);
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CompletableFuture<LockLostException> lost = new CompletableFuture<>();
    // What users see of the signal: completed on a callback thread, so that no user code ever runs
    // on the renewal thread, and read-only.
    private final CompletionStage<LockLostException> lostSignal;
    /** The thread that holds the lease through the Lock view, once it does; null for a lease handed out as a Lease. */
    private volatile Thread lockViewHolder;
    private volatile long fencingToken;
    private volatile long expiresAt;
    /** How long a confirmed acquire or renewal makes the lease valid: the lease, less any drift allowance. */
    private volatile Duration validity;

    /** Renewer-confined: a renewal has been sent and not answered yet. */
    boolean renewalInFlight;
    /** Renewer-confined: after a failed renewal, the earliest time of the next try. */
    long retryAt;
    /** Renewer-confined: the names of the renewal in flight not answered yet. */
    int renewalsPending;
    /** Renewer-confined: the worst answer so far for the names of the renewal in flight. */
    Renewal renewalFound;

    EngineLease(LockTarget target, String owner, LeaseOptions options, Thread interruptOnLoss, Ticker ticker,
            StoreDeadline storeDeadline, Executor callbacks, Consumer<EngineLease> onEnd) {
        this.target = target;
        this.kind = target.kind();
        this.name = target.name();
        this.owner = owner;
        this.options = options;
        this.interruptOnLoss = interruptOnLoss;
        this.ticker = ticker;
        this.storeDeadline = storeDeadline;
        this.onEnd = onEnd;
        this.lostSignal = lost.thenApplyAsync(Function.identity(), callbacks).minimalCompletionStage();
    }

    LockTarget target() {
        return target;
    }

    LockKind kind() {
        return kind;
    }

    String name() {
        return name;
    }

    String owner() {
        return owner;
    }

    LeaseOptions options() {
        return options;
    }

    /** Binds the lease to the thread that holds it through the Lock view: only that thread can unlock it. */
    void heldBy(Thread thread) {
        lockViewHolder = thread;
    }

    Thread lockViewHolder() {
        return lockViewHolder;
    }

    /**
     * Whether the thread that held the lease through the Lock view has ended: nobody can unlock it
     * any more, and a watchdog that renewed it would keep the lock for the client's whole life.
     */
    boolean isOrphaned() {
        Thread holder = lockViewHolder;
        return holder != null && !holder.isAlive();
    }

    long fencingToken() {
        return fencingToken;
    }

    /** When the lease runs out: its own end, or what the store confirmed for all leases, whichever is earlier. */
    long expiresAt() {
        return storeDeadline.cap(expiresAt);
    }

    Duration validity() {
        return validity;
    }

    /** When the watchdog should renew: a third of the validity after the last confirmed send. */
    long renewalDueAt() {
        return expiresAt - validity.toNanos() * 2 / 3;
    }

    /** Records the grant of an acquire that was sent at {@code sentAt}, valid for {@code validity} from then. */
    void granted(long token, long sentAt, Duration validity) {
        this.fencingToken = token;
        this.validity = validity;
        this.expiresAt = sentAt + validity.toNanos();
        state.set(State.HELD);
    }

    /** Records a confirmed renewal that was sent at {@code sentAt}. */
    void renewed(long sentAt) {
        if (state.get() == State.HELD) {
            expiresAt = Math.max(expiresAt, sentAt + validity.toNanos());
        }
    }

    /**
     * Records a confirmed extension of a fixed lease that was sent at {@code sentAt}: it now ends
     * {@code validity} after then, earlier or later than before.
     *
     * @return whether the lease is still held and valid (false when it was released or lost meanwhile)
     */
    boolean extended(long sentAt, Duration validity) {
        if (!isValid()) {
            return false;
        }
        expiresAt = sentAt + validity.toNanos();
        return true;
    }

    /**
     * Records an extension that was sent at {@code sentAt} and not confirmed: the store may have
     * applied it, so the lease ends {@code validity} after then at the latest, and never later than
     * it did.
     */
    void mayEndBy(long sentAt, Duration validity) {
        expiresAt = Math.min(expiresAt, sentAt + validity.toNanos());
    }

    boolean isHeld() {
        return state.get() == State.HELD;
    }

    boolean isFinished() {
        State current = state.get();
        return current == State.RELEASED || current == State.LOST;
    }

    boolean isLost() {
        return state.get() == State.LOST;
    }

    /** Held and, on the local clock, not past its deadline. Reports the loss when it is past. */
    boolean isValid() {
        if (state.get() != State.HELD) {
            return false;
        }
        if (ticker.nanoTime() - expiresAt() >= 0) {
            markLost(LockLostException.Reason.EXPIRED);
            return false;
        }
        return true;
    }

    Duration remaining() {
        // Read the clock once: a second reading could fall past the deadline and go negative.
        long left = expiresAt() - ticker.nanoTime();
        return isValid() && left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    void checkValid() {
        if (isValid()) {
            return;
        }
        if (state.get() == State.RELEASED) {
            throw new IllegalStateException("the lease of lock '" + name + "' (fencing token "
                    + fencingToken + ") was released");
        }
        throw lostNow();
    }

    /**
     * The exception that describes the loss, or null if the lease was not lost. A lease that has
     * just become LOST may not have its exception yet: its signal is completed right after the
     * state changes, so waiting for it is a matter of microseconds.
     */
    LockLostException lostNow() {
        return state.get() == State.LOST ? lost.join() : lost.getNow(null);
    }

    CompletionStage<LockLostException> lost() {
        return lostSignal;
    }

    /**
     * Moves a held lease to lost and signals it: the lost future, its listeners, an interrupt of
     * the Lock view's holding thread if it asked for one, and the hand-over of the lock to the
     * next local waiter.
     *
     * @return whether this call did it (false when the lease was not held)
     */
    boolean markLost(LockLostException.Reason reason) {
        return markLost(reason, describe(reason, "when the watchdog renewed it"));
    }

    /** As {@link #markLost(LockLostException.Reason)}, for a loss that an extension found. */
    boolean markLostWhenExtended(LockLostException.Reason reason) {
        return markLost(reason, describe(reason, "when it was extended"));
    }

    /** As {@link #markLost(LockLostException.Reason)}, saying {@code why} in the exception's message. */
    boolean markLost(LockLostException.Reason reason, String why) {
        return markLost(reason, why, Runnable::run);
    }

    /**
     * As {@link #markLost(LockLostException.Reason, String)}, with the hand-over run by {@code endOn}:
     * the lease is lost when this returns, its hand-over may come later.
     *
     * @throws java.util.concurrent.RejectedExecutionException if {@code endOn} refuses the hand-over
     *     (the lease is lost all the same)
     */
    boolean markLost(LockLostException.Reason reason, String why, Executor endOn) {
        if (!state.compareAndSet(State.HELD, State.LOST)) {
            return false;
        }
        signalLost(reason, why, true);
        endOn.execute(this::end);
        return true;
    }

    /**
     * Moves the lease to released, first thing in a release, so that no renewal or loss is
     * processed for it any more.
     *
     * @return whether it was held until now (false when it had been lost)
     */
    boolean markReleased() {
        return state.compareAndSet(State.HELD, State.RELEASED);
    }

    /** Signals a loss that the release itself discovered: the key was gone or taken over. */
    void lostBeforeRelease(LockLostException.Reason reason) {
        // No interrupt: the holder has released, and its thread may be doing something else.
        signalLost(reason, describe(reason, "when it was released"), false);
    }

    private void signalLost(LockLostException.Reason reason, String why, boolean interruptHolder) {
        LockLostException exception = new LockLostException(name, reason, "the lease of lock '"
                + name + "' (fencing token " + fencingToken + ") was lost: " + why);
        // Completed at once, so that checkValid() throws from now on.
        lost.complete(exception);
        if (interruptHolder) {
            interruptHolderOnce();
        }
    }

    private void interruptHolderOnce() {
        if (interruptOnLoss != null && holderInterrupted.compareAndSet(false, true)) {
            interruptOnLoss.interrupt();
        }
    }

    /**
     * Reports the loss of a lease past its deadline, and runs the hand-over of a lost one now: the
     * thread that marked it lost may still be signalling the loss, and does the hand-over only then.
     * The holder's interrupt comes first, as it does there, so that it can never reach a thread
     * that holds the name anew through the hand-over.
     */
    void endIfLost() {
        isValid(); // reports an expiry
        if (isLost()) {
            interruptHolderOnce();
            end();
        }
    }

    /** Runs the end-of-lease hand-over once, after a release or a loss. */
    void end() {
        if (ended.compareAndSet(false, true)) {
            onEnd.accept(this);
        }
    }

    /** Why the lease was lost, for a loss that the store reported {@code found} (when it was asked). */
    private String describe(LockLostException.Reason reason, String found) {
        return switch (reason) {
            case KEY_GONE -> "its key was gone " + found + " (deleted, or expired, or lost in a restart or failover"
                    + " of the store)";
            case OWNER_CHANGED -> "its key was held by another owner " + found;
            case EXPIRED -> storeDeadline.cap(expiresAt) != expiresAt
                    ? "it ran out where the store last confirmed the client's leases (its session), before "
                            + "the store could confirm them again: the store did not answer, or this process was paused"
                    : "it ran out (" + options.lease() + ") before a renewal was confirmed"
                            + (options.isRenewing() ? ": the store did not answer, or this process was paused" : "");
            case CLIENT_CLOSED -> "its LockClient was closed while it was held";
        };
    }
}
