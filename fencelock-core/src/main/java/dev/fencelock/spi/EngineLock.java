package dev.fencelock.spi;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockException;
import dev.fencelock.LockInterruptedException;
import dev.fencelock.LockLostException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.ReleaseOutcome;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * A {@link DistributedLock} of the engine: a kind, a name and the lease options of its {@code Lock}
 * view. The lease methods start an acquisition of their own every time; only the {@code Lock} view
 * is reentrant, per thread. The two sides of a read-write lock know of each other through the
 * calling thread's Lock-view holds: a thread that holds the write lock is granted the read lock
 * beside it (a downgrade), and a thread that holds only the read lock is refused the write lock
 * (an upgrade, which would wait for its own read lease forever).
 */
final class EngineLock implements DistributedLock {
    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private final LockEngine client;
    private final LockTarget target;
    private final LockKind kind;
    private final String name;
    private final LeaseOptions lockViewOptions;
    /** The Lock view's options less the interrupt, which binds to a thread and so to the Lock view alone. */
    private final LeaseOptions leaseOptions;

    EngineLock(LockEngine client, LockTarget target, LeaseOptions lockViewOptions) {
        this.client = client;
        this.target = target;
        this.kind = target.kind();
        this.name = target.name();
        this.lockViewOptions = lockViewOptions;
        this.leaseOptions = lockViewOptions.isRenewing()
                ? LeaseOptions.renewing(lockViewOptions.lease()) : LeaseOptions.fixed(lockViewOptions.lease());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Lease acquire(Duration maxWait) {
        return acquire(maxWait, leaseOptions);
    }

    @Override
    public Lease acquire(Duration maxWait, LeaseOptions options) {
        try {
            throwIfInterrupted();
            return awaitInterruptibly(start(maxWait, checkLeaseOptions(options), null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockInterruptedException("interrupted while waiting for lock '" + name
                    + "'; the acquisition was abandoned and the thread's interrupt status is set again", e);
        }
    }

    @Override
    public Optional<Lease> tryAcquire() {
        return tryAcquire(leaseOptions, null);
    }

    @Override
    public CompletableFuture<Lease> acquireAsync(Duration maxWait) {
        return acquireAsync(maxWait, leaseOptions);
    }

    @Override
    public CompletableFuture<Lease> acquireAsync(Duration maxWait, LeaseOptions options) {
        return onCallbackThreads(client, start(maxWait, checkLeaseOptions(options), null));
    }

    /**
     * The acquisition as handed to an async caller: completed on a callback thread, and abandoned
     * when the caller completes it first, however it does (cancel, orTimeout, completeOnTimeout,
     * complete, completeExceptionally): a lease won meanwhile is released.
     */
    static CompletableFuture<Lease> onCallbackThreads(LockEngine client, CompletableFuture<Lease> acquisition) {
        CompletableFuture<Lease> result = new CompletableFuture<>();
        // The caller's continuations run on a callback thread, never on an event loop (where a
        // blocking close() would stall every reply) or on the JDK's timer thread; a failure, too.
        acquisition.whenCompleteAsync((lease, error) -> {
            if (error != null) {
                result.completeExceptionally(error instanceof CompletionException ? error : new CompletionException(error));
            } else if (!result.complete(lease)) {
                // The caller gave up before the grant reached it: nobody else will release it.
                lease.close();
            }
        }, client.callbacks()).exceptionally(failed -> {
            // A closed client's callback threads refused the task: the caller hears of it all the
            // same. (Or the give-back failed, when the result is done: the lock expires with its lease.)
            result.completeExceptionally(failed);
            return null;
        });
        // A no-op once the acquisition is done, as it is when it completed the result itself. On a
        // callback thread: abandoning runs the engine and listeners, and orTimeout would run them
        // on the JDK's timer thread.
        result.whenCompleteAsync((lease, error) -> acquisition.cancel(false), client.callbacks());
        return result;
    }

    @Override
    public boolean isLocked() {
        return client.isLocked(target);
    }

    @Override
    public boolean isHeldByCurrentThread() {
        return holdCount() > 0;
    }

    @Override
    public int holdCount() {
        return holdCount(kind);
    }

    @Override
    public void lock() {
        if (!reenter()) {
            hold(awaitUninterruptibly(acquireForThisThread(FOREVER)));
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        throwIfInterrupted();
        if (!reenter()) {
            hold(awaitInterruptibly(acquireForThisThread(FOREVER)));
        }
    }

    @Override
    public boolean tryLock() {
        if (reenter()) {
            return true;
        }
        Optional<Lease> lease = tryAcquire(lockViewOptions, interruptTarget());
        lease.ifPresent(this::hold);
        return lease.isPresent();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        throwIfInterrupted();
        if (reenter()) {
            return true;
        }
        Duration maxWait = Duration.ofNanos(unit.toNanos(Math.max(0, time)));
        try {
            hold(awaitInterruptibly(acquireForThisThread(maxWait)));
            return true;
        } catch (LockTimeoutException e) {
            return false;
        }
    }

    @Override
    public void unlock() {
        Thread thread = Thread.currentThread();
        LocalLock local = client.localLock(target);
        Hold hold = local == null ? null : local.unhold(thread);
        if (hold == null) {
            throw new IllegalMonitorStateException("the current thread does not hold lock '" + name + "'");
        }
        boolean lost = local.stillHolds(thread, hold)
                ? hold.lease().isLost()
                : hold.release() == ReleaseOutcome.ALREADY_LOST;
        if (lost) {
            LockLostException exception = hold.lease().lostNow();
            throw exception != null ? exception : new LockLostException(name, LockLostException.Reason.KEY_GONE,
                    "the lease of lock '" + name + "' was lost before unlock");
        }
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("a distributed lock has no conditions: lock '" + name + "'");
    }

    private Optional<Lease> tryAcquire(LeaseOptions options, Thread interruptTarget) {
        try {
            return Optional.of(awaitUninterruptibly(start(Duration.ZERO, options, interruptTarget)));
        } catch (LockTimeoutException e) {
            return Optional.empty();
        }
    }

    /** A further hold for the calling thread if it holds the lock through the Lock view. */
    private boolean reenter() {
        LocalLock local = client.localLock(target);
        return local != null && local.reenter(Thread.currentThread());
    }

    /** A new acquisition for the Lock view, its lease bound to the calling thread. */
    private CompletableFuture<Lease> acquireForThisThread(Duration maxWait) {
        return start(maxWait, lockViewOptions, interruptTarget());
    }

    /** Starts an acquisition of this lock's kind, after the read-write checks of the calling thread. */
    private CompletableFuture<Lease> start(Duration maxWait, LeaseOptions options, Thread interruptTarget) {
        if (kind == LockKind.PLAIN && holdCount(LockKind.READ) > 0 && holdCount(LockKind.PLAIN) == 0) {
            throw new IllegalMonitorStateException("the current thread holds the read lock of '" + name
                    + "' and cannot upgrade it to the write lock: the write lock waits for every reader to let go,"
                    + " this thread's own read lease included, so it would wait forever; unlock the read lock first");
        }
        if (kind != LockKind.PERMIT) {
            refuseNamesHeldByThisThread();
        }
        return client.acquire(target, maxWait, options, interruptTarget, writeLeaseOfThisThread());
    }

    /**
     * A lock over a name that the calling thread holds through a Lock view (this lock's, whose
     * lease methods do not reenter it, or a plain, fair or read lock's, or a multi-lock's over the
     * name) would wait for this thread's own lease forever: refused at once, as an upgrade is. The
     * Lock view gets here only when the thread holds none of its own (or a lost one).
     */
    private void refuseNamesHeldByThisThread() {
        LocalLock inTheWay = client.heldInTheWayOf(target, Thread.currentThread());
        if (inTheWay != null) {
            LockTarget held = inTheWay.target();
            String how = held instanceof MultiLockTarget ? "multi-lock " + held.name()
                    : held.kind().name().toLowerCase(Locale.ROOT) + " lock '" + held.name() + "'";
            String taking = held.equals(target) ? "a lease of it too" : this.name + " beside it";
            throw new IllegalMonitorStateException("the current thread holds " + how + " through lock() and cannot take "
                    + taking + ": it would wait for its own lease forever; unlock it first");
        }
    }

    /** For a read: the owner token of the write lease the calling thread holds through the Lock view, else null. */
    private String writeLeaseOfThisThread() {
        if (kind != LockKind.READ) {
            return null;
        }
        LocalLock writes = client.localLock(LockKind.PLAIN, name);
        Hold hold = writes == null ? null : writes.validHold(Thread.currentThread());
        return hold == null ? null : hold.lease().owner();
    }

    private int holdCount(LockKind ofKind) {
        LocalLock local = ofKind == kind ? client.localLock(target) : client.localLock(ofKind, name);
        return local == null ? 0 : local.holdCount(Thread.currentThread());
    }

    /** The calling thread when the Lock view's options ask for it to be interrupted on loss. */
    private Thread interruptTarget() {
        return lockViewOptions.interruptsHolderOnLoss() ? Thread.currentThread() : null;
    }

    private void hold(Lease lease) {
        Hold hold = (Hold) lease;
        hold.local().hold(Thread.currentThread(), hold);
    }

    static void throwIfInterrupted() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /**
     * A lease is not bound to a thread, so it cannot interrupt one: the Lock view's option only.
     * A lease's holder that wants an interrupt says whom to interrupt, with {@link Lease#onLost}.
     */
    static LeaseOptions checkLeaseOptions(LeaseOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.interruptsHolderOnLoss()) {
            throw new IllegalArgumentException("interruptHolderOnLoss() applies to the Lock view (lock(), tryLock(),"
                    + " lockInterruptibly()), whose holder is a thread; a lease belongs to no thread: use"
                    + " lease.onLost(lost -> worker.interrupt()) to interrupt a thread of your choice, was " + options);
        }
        return options;
    }

    /** Waits for an acquisition; an interrupt is remembered and re-asserted once it is over. */
    static Lease awaitUninterruptibly(CompletableFuture<Lease> acquisition) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return acquisition.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrow(e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits for an acquisition; an interrupt abandons it, releasing a lease won meanwhile. The
     * interrupt is thrown even when that release fails, which it carries as suppressed.
     */
    static Lease awaitInterruptibly(CompletableFuture<Lease> acquisition) throws InterruptedException {
        try {
            return acquisition.get();
        } catch (InterruptedException e) {
            if (!acquisition.cancel(false) && !acquisition.isCompletedExceptionally()) {
                try {
                    acquisition.join().close();
                } catch (RuntimeException releaseFailed) {
                    // get() has cleared the interrupt status: this exception is all that is left of it.
                    // The lease stops being renewed all the same, and its lock expires with it.
                    e.addSuppressed(releaseFailed);
                }
            }
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    private static RuntimeException rethrow(ExecutionException e) {
        Throwable cause = Await.unwrap(e);
        if (cause instanceof RuntimeException runtime) {
            // Rethrown with this thread's stack, keeping the original as the cause.
            if (runtime instanceof LockTimeoutException timeout) {
                return new LockTimeoutException(timeout.getMessage());
            }
            return runtime;
        }
        return new LockException("acquisition failed: " + cause, cause);
    }

    @Override
    public String toString() {
        return kind == LockKind.PLAIN ? "DistributedLock{" + name + "}"
                : "DistributedLock{" + name + ", " + kind.name().toLowerCase(Locale.ROOT) + "}";
    }
}
