package dev.fencelock;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One acquisition in progress, asynchronous from end to end so that waiting costs no thread:
 * take the local gate, try the acquire script; when someone else holds the lock, subscribe to its
 * release channel and try again at the next release or when the holder's lease runs out, until
 * the deadline.
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
    private final LocalLock local;
    private final LeaseOptions options;
    private final Thread caller;
    private final long deadline;
    private final Duration maxWait;
    private final CompletableFuture<Lease> result = new CompletableFuture<>();
    private ReleaseSubscriptions.Subscription subscription;

    Acquisition(RedisLockClient client, LocalLock local, LeaseOptions options, Duration maxWait) {
        this.client = client;
        this.local = local;
        this.options = options;
        this.caller = Thread.currentThread();
        this.maxWait = maxWait;
        this.deadline = client.ticker().nanoTime() + saturatedNanos(maxWait);
    }

    CompletableFuture<Lease> result() {
        return result;
    }

    void start() {
        CompletableFuture<Void> turn = local.enterGate();
        if (!turn.isDone()) {
            turn.orTimeout(Math.max(0, deadline - client.ticker().nanoTime()), TimeUnit.NANOSECONDS);
            result.whenComplete((lease, error) -> turn.cancel(false));
        }
        turn.whenComplete((ok, error) -> {
            if (error == null) {
                attempt();
            } else {
                fail(RedisNode.unwrap(error) instanceof TimeoutException ? timeout() : RedisNode.unwrap(error), false);
            }
        });
    }

    private void attempt() {
        if (result.isDone()) {
            finish(); // abandoned while waiting
            return;
        }
        LockKeys keys = local.keys();
        RedisLease lease = client.newLease(local, options, caller);
        CompletableFuture<Void> nextRelease = subscription == null ? null : subscription.nextRelease();
        client.renewer().track(lease);
        long sentAt = client.ticker().nanoTime();
        client.node().<List<Long>>run(LuaScript.ACQUIRE, ScriptOutputType.MULTI,
                        new String[] {keys.lock(), keys.fence()},
                        lease.owner(),
                        Long.toString(options.lease().toMillis()),
                        Long.toString(client.fenceCounterTtl(options).toMillis()))
                .whenComplete((reply, error) -> {
                    if (error != null) {
                        client.renewer().untrack(lease);
                        // The script may have run although its reply was lost: delete the key if it is ours.
                        client.releaseQuietly(lease);
                        fail(RedisNode.unwrap(error), true);
                    } else if (reply.get(0) == 1) {
                        won(lease, reply.get(1), sentAt);
                    } else {
                        client.renewer().untrack(lease);
                        waitForRelease(reply.get(1), nextRelease);
                    }
                });
    }

    private void won(RedisLease lease, long token, long sentAt) {
        lease.granted(token, sentAt);
        local.held(lease);
        client.renewer().granted(lease);
        closeSubscription();
        if (!result.complete(new Hold(client, local, lease))) {
            // Abandoned while the acquire was on its way: give the lock straight back.
            client.releaseAsync(local, lease);
        }
    }

    private void waitForRelease(long holderPttl, CompletableFuture<Void> nextRelease) {
        long remaining = deadline - client.ticker().nanoTime();
        if (remaining <= 0 || result.isDone()) {
            fail(timeout(), true);
            return;
        }
        if (subscription == null) {
            // Subscribe, then try again at once: a release between the first try and the
            // subscription would not be announced to us.
            client.subscriptions().subscribe(local.keys().channel()).whenComplete((subscribed, error) -> {
                if (error != null) {
                    fail(RedisNode.unwrap(error), true);
                } else {
                    subscription = subscribed;
                    attempt();
                }
            });
            return;
        }
        long untilExpiry = holderPttl >= 0 ? TimeUnit.MILLISECONDS.toNanos(holderPttl + 1) : FOREIGN_LOCK_POLL;
        CompletableFuture<Void> wake = new CompletableFuture<>();
        nextRelease.thenRun(() -> wake.complete(null));
        result.whenComplete((lease, error) -> wake.complete(null));
        wake.completeOnTimeout(null, Math.min(untilExpiry, remaining), TimeUnit.NANOSECONDS)
                .thenRun(this::attempt);
    }

    private LockTimeoutException timeout() {
        return new LockTimeoutException("lock '" + local.keys().name() + "' is held by another owner;"
                + " gave up after waiting " + maxWait);
    }

    /** Ends without a lease. {@code gateTaken}: whether this acquisition holds the gate. */
    private void fail(Throwable error, boolean gateTaken) {
        closeSubscription();
        if (gateTaken) {
            local.exitGate();
        }
        client.leave(local);
        result.completeExceptionally(error);
    }

    /** Ends an abandoned acquisition that holds the gate. */
    private void finish() {
        fail(new IllegalStateException("abandoned"), true);
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
