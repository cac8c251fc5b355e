package dev.fencelock.shedlock;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockInterruptedException;
import dev.fencelock.LockTimeoutException;
import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.support.LockException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ShedLock {@link ExtensibleLockProvider} on a Fencelock {@link LockClient}: each ShedLock lock is
 * one Fencelock lease, with a fencing token and a lost signal.
 *
 * <ul>
 *   <li>{@code lockAtMostFor} is a {@linkplain LeaseOptions#fixed(Duration) fixed lease}: no watchdog
 *       renews it, as ShedLock's contract is a fixed upper bound. A job that runs longer loses the
 *       lock then (its lease is signalled lost, and logged); wrap this provider in ShedLock's
 *       {@code KeepAliveLockProvider} to have it extended while the job runs. It is at most
 *       {@link LeaseOptions#MAX_LEASE}, a day: a longer one is refused by {@link #lock} and by an
 *       extension, with an {@link IllegalArgumentException} that names the lock.
 *   <li>{@code lockAtLeastFor}: an unlock before it has passed keeps the lock taken until then,
 *       measured on the monotonic clock from the call of {@link #lock}.
 *   <li>{@link SimpleLock#extend} re-sets the upper bound from now; the fencing token stays. An
 *       extension the store does not confirm is tried {@value #MAX_EXTENSION_TRIES} times at most,
 *       while the lease has time left for another try (twice the longest try so far: about two
 *       command timeouts); then it throws {@link LockException}, and the lock ends with its lease,
 *       at the latest. ShedLock's unlock waits for an extension under way.
 *   <li>Unlock deletes the key, or shortens its life, only where it still holds this lease's
 *       owner token (never a plain {@code DEL}). Unlock and extend of a lock that has expired are
 *       quiet: unlock does nothing, extend returns empty.
 *   <li>Durations are ShedLock's to choose: below a millisecond counts as one; one shorter than a
 *       round trip to the store cannot be granted in time, and the task is skipped as if the lock
 *       were held elsewhere.
 * </ul>
 *
 * <p><b>The token inside the job.</b> {@link #currentToken()} and {@link #currentLease()} answer on
 * the thread that called {@link #lock}, from then until that lock is unlocked (from any thread) or
 * lost its extension: ShedLock's {@code DefaultLockingTaskExecutor}, and so {@code @SchedulerLock},
 * locks, runs the task and unlocks on one thread. Nested locks of different names answer with the
 * innermost one. A task that hands work to another thread passes the token along itself.
 *
 * <p>{@link #lock} throws ShedLock's {@link LockException} when the store does not answer within
 * its command timeout, when the client is closed, and when the thread is interrupted.
 * Thread-safe; one provider per {@link LockClient}, which it does not close.
 */
public final class FencelockLockProvider implements ExtensibleLockProvider {
    private static final Logger log = LoggerFactory.getLogger(FencelockLockProvider.class);
    /** The least time from one try of an extension to the next. */
    private static final long RETRY_PAUSE_NANOS = Duration.ofMillis(100).toNanos();
    /**
     * How often an extension is tried: enough to outlast an outage of a command timeout or two,
     * few enough that an unlock, which ShedLock's keep-alive holds back while it extends, does not
     * wait for the rest of the lease.
     */
    static final int MAX_EXTENSION_TRIES = 3;

    private final LockClient client;

    /** A provider whose locks are leases of {@code client}. */
    public FencelockLockProvider(LockClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * The fencing token of the innermost lock that this provider granted to the calling thread and
     * that has not been unlocked: pass it to the resource the job writes to.
     *
     * @return the token, or empty outside a locked task
     */
    public static OptionalLong currentToken() {
        return currentLease().map(lease -> OptionalLong.of(lease.fencingToken())).orElse(OptionalLong.empty());
    }

    /**
     * The lease behind {@link #currentToken()}: for {@link Lease#checkValid()} right before a side
     * effect, {@link Lease#remaining()}, or {@link Lease#lost()}. Releasing it is the provider's
     * business: the job should not.
     *
     * @return the lease, or empty outside a locked task
     */
    public static Optional<Lease> currentLease() {
        return ActiveLeases.current();
    }

    /**
     * Tries once to take the lock for {@code lockAtMostFor}.
     *
     * @return the lock, or empty when it is held (by another process, or by another thread of this client)
     * @throws LockException when the store did not answer within the client's command timeout, the
     *     client is closed, or the calling thread is interrupted (its interrupt status stays set)
     * @throws IllegalArgumentException when {@code lockAtMostFor} is longer than {@link LeaseOptions#MAX_LEASE},
     *     before the store is asked
     * @throws IllegalMonitorStateException when the calling thread holds the lock's name through the
     *     {@code Lock} view of the same client, which this provider would wait for forever
     */
    @Override
    public Optional<SimpleLock> lock(LockConfiguration configuration) {
        Objects.requireNonNull(configuration, "configuration");
        long startedAt = System.nanoTime();
        Lease lease;
        try {
            lease = client.lock(configuration.getName())
                    .acquire(Duration.ZERO, LeaseOptions.fixed(fixedLease(configuration)));
        } catch (LockTimeoutException held) {
            return Optional.empty();
        } catch (LockUnavailableException | LockInterruptedException | IllegalStateException e) {
            // ShedLock's one exception for a lock that could not be taken: the store did not answer,
            // the scheduler is being shut down (interrupted: the status stays set), or the client was
            // closed before a scheduler that still fires.
            throw new LockException("could not lock '" + configuration.getName() + "': " + e.getMessage(), e);
        }
        lease.onLost(lost -> log.warn("ShedLock lock '{}' ended while its task may still run (lockAtMostFor {}):"
                + " another instance may run it now. {}", configuration.getName(), configuration.getLockAtMostFor(),
                lost.getMessage()));
        ActiveLeases.Entry active = ActiveLeases.push(lease);
        return Optional.of(new FencedLock(configuration, lease, active, startedAt));
    }

    /**
     * ShedLock's {@code lockAtMostFor} as our fixed lease: a sub-millisecond bound is the shortest
     * lease, 1 ms; one beyond the longest lease is refused here, naming the setting and the task's
     * lock, rather than as the core's {@code lease} out of range on every run.
     */
    private static Duration fixedLease(LockConfiguration configuration) {
        Duration lockAtMostFor = configuration.getLockAtMostFor();
        if (lockAtMostFor.compareTo(LeaseOptions.MAX_LEASE) > 0) {
            // ShedLock's LockConfiguration has already refused a negative one.
            throw new IllegalArgumentException("lockAtMostFor of ShedLock lock '" + configuration.getName()
                    + "' must be between " + Duration.ZERO + " and " + LeaseOptions.MAX_LEASE + ", was " + lockAtMostFor
                    + ": the longest Fencelock lease; for a longer job, set a shorter lockAtMostFor and wrap the"
                    + " provider in KeepAliveLockProvider, which extends the lock while the job runs");
        }
        return lockAtMostFor.compareTo(LeaseOptions.MIN_FIXED_LEASE) < 0 ? LeaseOptions.MIN_FIXED_LEASE : lockAtMostFor;
    }

    @Override
    public String toString() {
        return "FencelockLockProvider{" + client + "}";
    }

    /** One ShedLock lock: the lease, and when the current configuration's lockAtLeastFor began. */
    private static final class FencedLock extends AbstractSimpleLock {
        private final Lease lease;
        private final ActiveLeases.Entry active;
        private final long startedAt;

        FencedLock(LockConfiguration configuration, Lease lease, ActiveLeases.Entry active, long startedAt) {
            super(configuration);
            this.lease = lease;
            this.active = active;
            this.startedAt = startedAt;
        }

        @Override
        protected void doUnlock() {
            active.end();
            Duration keep = lockConfiguration.getLockAtLeastFor().minusNanos(System.nanoTime() - startedAt);
            try {
                if (keep.isNegative() || keep.isZero()) {
                    lease.close();
                } else {
                    lease.releaseAfter(keep);
                }
            } catch (LockUnavailableException e) {
                // The key expires with its lease, as ShedLock expects of an unlock that failed.
                log.warn("could not unlock '{}'; it expires at the end of its lease", lockConfiguration.getName(), e);
            }
        }

        @Override
        protected Optional<SimpleLock> doExtend(LockConfiguration newConfiguration) {
            Duration newLease = fixedLease(newConfiguration);
            long longestTry = 0;
            long extendedAt;
            boolean extended;
            for (int tries = 1; ; tries++) {
                extendedAt = System.nanoTime();
                try {
                    extended = lease.extend(newLease);
                    break;
                } catch (LockUnavailableException e) {
                    long took = System.nanoTime() - extendedAt;
                    longestTry = Math.max(longestTry, took);
                    Duration remaining = lease.remaining();
                    // KeepAliveLockProvider's scheduler never extends again once this throws, so one
                    // store outage longer than a command timeout (a failover, a pause) would end the
                    // lease under a running job. The extension is a compare-and-expire, safe to send
                    // again: another try, after a pause and as long as the longest so far, is worth it
                    // while its answer can still come back a try's time before the lease's old end.
                    if (tries == MAX_EXTENSION_TRIES || remaining.toNanos() <= RETRY_PAUSE_NANOS + 2 * longestTry
                            || Thread.currentThread().isInterrupted()) {
                        throw new LockException("could not extend '" + newConfiguration.getName() + "': "
                                + e.getMessage() + "; the lock ends within " + remaining, e);
                    }
                    log.warn("could not extend '{}', trying again: {}", newConfiguration.getName(), e.getMessage());
                    // A store that refuses at once (a Redlock client cut off from its majority) is not asked in a busy loop.
                    LockSupport.parkNanos(RETRY_PAUSE_NANOS - took);
                }
            }
            if (!extended) {
                // Expired: ShedLock's executor unlocks only the lock it holds, and that one is spent.
                active.end();
                lease.close();
                return Optional.empty();
            }
            return Optional.of(new FencedLock(newConfiguration, lease, active, extendedAt));
        }
    }
}
