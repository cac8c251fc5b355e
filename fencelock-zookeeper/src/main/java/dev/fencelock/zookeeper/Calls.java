package dev.fencelock.zookeeper;

import dev.fencelock.LockException;
import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.KeeperException;

/**
 * Curator's background calls as futures, each bounded by the call timeout: Curator retries a call
 * while the connection is down, and the bound is what makes "ZooKeeper does not answer" a
 * {@link LockUnavailableException} within the timeout rather than a wait. A refusal that no retry
 * changes (an ACL, a quota) is a plain {@link LockException} instead, at once. An answer that passed
 * the leader (a write, a sync) is also a confirmation of the session, as of the call's send: the
 * leader checks the session before it answers one. A read is not: a follower cut off from the
 * leader answers reads from its own copy for a while (ZooKeeper's syncLimit), and meanwhile the
 * leader may expire the session.
 *
 * <p>The bounds share one timer. Every call has the same timeout, so the calls in the order they
 * were sent are also in the order of their deadlines: the timer waits for the oldest call still
 * unanswered, and a call costs a place in a queue rather than a task of its own (a timeout per
 * call, as {@code orTimeout} sets one, woke the JDK's timer thread at every request, since each
 * became the earliest task of an otherwise empty queue). Thread-safe.
 */
final class Calls {
    /** A background call of Curator's builders: {@code client.getChildren().inBackground(callback).forPath(path)}. */
    @FunctionalInterface
    interface Background {
        void start(BackgroundCallback callback) throws Exception;
    }

    /**
     * The codes that say the call is refused whatever is tried again: an ACL, a quota, a server
     * that lacks the operation, a request that it cannot take. Any other is an outage that an
     * ensemble may end by itself (a lost connection, a leader election, a throttled server), as
     * Curator's retries take it.
     */
    private static final Set<KeeperException.Code> REFUSALS = EnumSet.of(KeeperException.Code.NOAUTH,
            KeeperException.Code.AUTHFAILED, KeeperException.Code.NOCHILDRENFOREPHEMERALS,
            KeeperException.Code.UNIMPLEMENTED, KeeperException.Code.EPHEMERALONLOCALSESSION,
            KeeperException.Code.QUOTAEXCEEDED, KeeperException.Code.INVALIDACL, KeeperException.Code.BADARGUMENTS,
            KeeperException.Code.APIERROR);

    private final Duration timeout;
    private final String server;
    /**
     * The session that this client's leases live in, while the connection is still in it; 0 when
     * none is known (none yet, or another connection opened). Read at a call's send and at its answer.
     */
    private final LongSupplier session;
    /** Told the send time (System.nanoTime) of every call that passed the leader in that session: the session was alive after it. */
    private final LongConsumer confirmedAfter;
    private final ScheduledExecutorService timer;
    // Guarded by this: the calls not known to be answered, oldest first, and whether the timer waits for the oldest.
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private boolean timerSet;

    Calls(Duration timeout, String server, LongSupplier session, LongConsumer confirmedAfter,
            ScheduledExecutorService timer) {
        this.timeout = timeout;
        this.server = server;
        this.session = session;
        this.confirmedAfter = confirmedAfter;
        this.timer = timer;
    }

    /**
     * Starts {@code call}; the future completes with its event when the result code is one of
     * {@code answers} (OK is always one), fails with a {@link LockException} on a code of
     * {@link #REFUSALS}, and with {@link LockUnavailableException} on any other code, an exception,
     * or no answer within the timeout.
     */
    CompletableFuture<CuratorEvent> run(String what, Background call, KeeperException.Code... answers) {
        return runOrUndo(what, call, late -> {}, answers);
    }

    /**
     * As {@link #run}, and hands a call that succeeded only after its future had failed (timed out)
     * to {@code undo}: a node created then belongs to nobody.
     */
    CompletableFuture<CuratorEvent> runOrUndo(String what, Background call, Consumer<CuratorEvent> undo,
            KeeperException.Code... answers) {
        Set<KeeperException.Code> accepted = Set.of(answers);
        CompletableFuture<CuratorEvent> result = new CompletableFuture<>();
        long sentAt = System.nanoTime();
        long sentIn = session.getAsLong();
        bound(new Pending(what, result, sentAt + timeout.toNanos()));
        try {
            call.start((client, event) -> {
                KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
                if (code == KeeperException.Code.OK || accepted.contains(code)) {
                    // Before the caller hears of it: a lease granted by this answer is covered by it.
                    if (passedTheLeader(event) && confirms(sentIn, session.getAsLong())) {
                        confirmedAfter.accept(sentAt);
                    }
                    if (!result.complete(event) && code == KeeperException.Code.OK) {
                        undo.accept(event);
                    }
                } else {
                    KeeperException cause = KeeperException.create(code, event.getPath());
                    result.completeExceptionally(REFUSALS.contains(code)
                            ? new LockException(what + " on " + server + " was refused with " + code + " for "
                                    + event.getPath() + ", which no retry changes", cause)
                            : failure(what, cause));
                }
            });
        } catch (Exception e) {
            result.completeExceptionally(failure(what, e));
        }
        return result;
    }

    /** Queues a call behind the older ones, dropping those answered meanwhile, and sets the timer if none is set. */
    private void bound(Pending call) {
        boolean setTimer;
        synchronized (this) {
            while (!pending.isEmpty() && pending.peekFirst().result().isDone()) {
                pending.pollFirst();
            }
            pending.addLast(call);
            setTimer = !timerSet;
            timerSet = true;
        }
        if (setTimer) {
            setTimer(call.deadline());
        }
    }

    /** Fails the calls whose time is up, and sets the timer for the oldest one left. */
    private void expire() {
        long now = System.nanoTime();
        List<Pending> late = new ArrayList<>();
        Pending oldest;
        synchronized (this) {
            while ((oldest = pending.peekFirst()) != null
                    && (oldest.result().isDone() || now - oldest.deadline() >= 0)) {
                late.add(pending.pollFirst());
            }
            // Still set while this run sets the next one: a call sent meanwhile must not set another.
            timerSet = oldest != null;
        }
        // Outside the lock: the callers' continuations run here.
        for (Pending call : late) {
            call.result().completeExceptionally(failure(call.what(), new TimeoutException()));
        }
        if (oldest != null) {
            setTimer(oldest.deadline());
        }
    }

    private void setTimer(long deadline) {
        try {
            timer.schedule(this::expire, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // The store is closed, and with it every call.
        }
    }

    /**
     * The failure of a call, as the caller sees it: a {@link LockException} of a call as it is
     * (an outage, a refusal), anything else an outage naming the server, never a Curator type in the message alone.
     */
    LockException failure(String what, Throwable cause) {
        if (cause instanceof LockException known) {
            return known;
        }
        String why = cause instanceof TimeoutException ? "did not answer within " + timeout : "failed: " + cause;
        return new LockUnavailableException(what + " on " + server + " " + why, cause);
    }

    /**
     * Whether an answer that passed the leader confirms the session of the leases as of the call's
     * send. It does in the session it was sent in, and not in a later one: Curator sends a call
     * again in a new session once the old one expired. A call sent while no session was known (the
     * first, or another connection opened and not yet known) does too: the session known at its
     * answer either answered it or began after the send.
     */
    private static boolean confirms(long sentIn, long answeredIn) {
        return answeredIn != 0 && (sentIn == answeredIn || sentIn == 0);
    }

    /**
     * Whether the leader answered the call, or a member passed it on to the leader and back: the
     * leader checks that the session is alive before it answers a write or a sync. A create that
     * Curator's protection found again after a lost reply has no stat: a read of the children found it.
     */
    private static boolean passedTheLeader(CuratorEvent event) {
        return switch (event.getType()) {
            case SYNC, DELETE, SET_DATA -> true;
            case CREATE -> event.getStat() != null;
            default -> false;
        };
    }

    static KeeperException.Code code(CuratorEvent event) {
        return KeeperException.Code.get(event.getResultCode());
    }

    /** A call sent and not known to be answered: its future, and when it times out. */
    private record Pending(String what, CompletableFuture<CuratorEvent> result, long deadline) {}
}
