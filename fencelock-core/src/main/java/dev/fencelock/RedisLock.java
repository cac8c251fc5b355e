package dev.fencelock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/** A {@link DistributedLock} on one Redis server: a name and the lease options of its {@code Lock} view. */
final class RedisLock implements DistributedLock {
    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private final RedisLockClient client;
    private final LockKeys keys;
    private final LeaseOptions lockViewOptions;

    RedisLock(RedisLockClient client, LockKeys keys, LeaseOptions lockViewOptions) {
        this.client = client;
        this.keys = keys;
        this.lockViewOptions = lockViewOptions;
    }

    @Override
    public String name() {
        return keys.name();
    }

    @Override
    public Lease acquire(Duration maxWait) {
        return acquire(maxWait, lockViewOptions);
    }

    @Override
    public Lease acquire(Duration maxWait, LeaseOptions options) {
        return awaitUninterruptibly(client.acquire(keys, maxWait, options));
    }

    @Override
    public Optional<Lease> tryAcquire() {
        try {
            return Optional.of(acquire(Duration.ZERO));
        } catch (LockTimeoutException e) {
            return Optional.empty();
        }
    }

    @Override
    public CompletableFuture<Lease> acquireAsync(Duration maxWait) {
        return acquireAsync(maxWait, lockViewOptions);
    }

    @Override
    public CompletableFuture<Lease> acquireAsync(Duration maxWait, LeaseOptions options) {
        CompletableFuture<Lease> acquisition = client.acquire(keys, maxWait, options);
        // The caller's continuations run on a callback thread, never on an event loop (where a
        // blocking close() would stall every reply) or on the JDK's timer thread.
        // handleAsync, not thenApplyAsync: a failure, too, must be delivered on a callback thread.
        CompletableFuture<Lease> result = acquisition.handleAsync((lease, error) -> {
            if (error != null) {
                throw error instanceof CompletionException completion ? completion : new CompletionException(error);
            }
            return lease;
        }, client.callbacks());
        result.whenComplete((lease, error) -> {
            if (result.isCancelled() && !acquisition.cancel(false)) {
                acquisition.thenAcceptAsync(Lease::close, client.callbacks());
            }
        });
        return result;
    }

    @Override
    public boolean isLocked() {
        return client.isLocked(keys);
    }

    @Override
    public boolean isHeldByCurrentThread() {
        LocalLock local = client.localLock(keys.name());
        return local != null && local.heldBy(Thread.currentThread()) != null;
    }

    @Override
    public int holdCount() {
        LocalLock local = client.localLock(keys.name());
        return local == null ? 0 : local.holdCount(Thread.currentThread());
    }

    @Override
    public void lock() {
        pushThreadHold(acquire(FOREVER, lockViewOptions));
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        pushThreadHold(awaitInterruptibly(client.acquire(keys, FOREVER, lockViewOptions)));
    }

    @Override
    public boolean tryLock() {
        Optional<Lease> lease = tryAcquire();
        lease.ifPresent(this::pushThreadHold);
        return lease.isPresent();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        Duration maxWait = Duration.ofNanos(unit.toNanos(Math.max(0, time)));
        try {
            pushThreadHold(awaitInterruptibly(client.acquire(keys, maxWait, lockViewOptions)));
            return true;
        } catch (LockTimeoutException e) {
            return false;
        }
    }

    @Override
    public void unlock() {
        LocalLock local = client.localLock(keys.name());
        Deque<Hold> holds = local == null ? null : local.threadHolds.get(Thread.currentThread());
        if (holds == null || holds.isEmpty()) {
            throw new IllegalMonitorStateException("the current thread does not hold lock '" + keys.name() + "'");
        }
        Hold hold = holds.pop();
        if (holds.isEmpty()) {
            local.threadHolds.remove(Thread.currentThread());
        }
        if (hold.release() == ReleaseOutcome.ALREADY_LOST) {
            LockLostException lost = hold.lease().lostNow();
            throw lost != null ? lost : new LockLostException(keys.name(), LockLostException.Reason.KEY_GONE,
                    "the lease of lock '" + keys.name() + "' was lost before unlock");
        }
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("a distributed lock has no conditions: lock '" + keys.name() + "'");
    }

    private void pushThreadHold(Lease lease) {
        Hold hold = (Hold) lease;
        hold.local().threadHolds.computeIfAbsent(Thread.currentThread(), thread -> new ArrayDeque<>()).push(hold);
    }

    /** Waits for an acquisition; an interrupt is remembered and re-asserted once it is over. */
    private static Lease awaitUninterruptibly(CompletableFuture<Lease> acquisition) {
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

    /** Waits for an acquisition; an interrupt abandons it, releasing a lease won meanwhile. */
    private static Lease awaitInterruptibly(CompletableFuture<Lease> acquisition) throws InterruptedException {
        try {
            return acquisition.get();
        } catch (InterruptedException e) {
            if (!acquisition.cancel(false) && !acquisition.isCompletedExceptionally()) {
                acquisition.join().close();
            }
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    private static RuntimeException rethrow(ExecutionException e) {
        Throwable cause = RedisNode.unwrap(e);
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
        return "DistributedLock{" + keys.name() + "}";
    }
}
