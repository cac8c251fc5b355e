package dev.fencelock.spi;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process side of one lock name and kind within one client: a FIFO gate that lets one
 * acquisition at a time talk to the store (so that threads of one JVM waiting for the same name
 * share one remote waiter), the leases currently held through this client, and the holds taken through the
 * {@link java.util.concurrent.locks.Lock} view, per thread. Only that view is reentrant: a lease
 * belongs to its owner token, and every other acquisition waits at the gate like any other.
 *
 * <p>The gate is taken when an acquisition starts its remote attempts and passed on when it fails,
 * or when the lease it won ends (released or lost); a reader's gate is passed on when it wins, and
 * a fair lock has none (see {@link LockKind.Gate}).
 */
final class LocalLock {
    /** The most waiting acquisitions of a permit that one release names to the store (see {@link #permitWaiters()}). */
    private static final int MAX_PERMIT_WAITERS_PASSED = 16;
    private final LockTarget target;
    private final LockKind kind;
    private final String name;
    private final LockKind.Gate gate;
    /** Whether each acquisition keeps one owner token across its attempts: the store queues it by that token. */
    private final boolean queuesEachAcquisition;
    /** Acquisitions in progress plus holds not yet released; guarded by the client's map. */
    int references;
    // Guarded by this.
    private boolean gateTaken;
    private final Deque<CompletableFuture<Handover>> gateQueue = new ArrayDeque<>();
    /** The leases held through this client: at most one, but for readers. */
    private final Set<EngineLease> current = new LinkedHashSet<>();
    /** What the current lease hands to the next acquisition when it ends; only while the gate is taken. */
    private Handover handover;
    /**
     * The acquisitions of a permit that wait, queued at the store, by owner token, oldest first: a
     * release of this client may pass its permit to one of them. Guarded by this.
     */
    private final Map<String, Acquisition> permitWaiters = new LinkedHashMap<>();
    /**
     * Holds taken through the Lock view, per thread, latest first: a reentrant hold repeats the
     * lease it shares. Each deque is touched only by its own thread.
     */
    private final Map<Thread, Deque<Hold>> threadHolds = new ConcurrentHashMap<>();

    /**
     * {@code queuesOnItsOwn}: every acquisition queues at the store by itself, as a fair one does,
     * without the gate ({@link LockStore#queuesEachPlainAcquisition}).
     */
    LocalLock(LockTarget target, boolean queuesOnItsOwn) {
        this.target = target;
        this.kind = target.kind();
        this.name = target.name();
        this.gate = queuesOnItsOwn ? LockKind.Gate.NONE : kind.gate();
        this.queuesEachAcquisition = queuesOnItsOwn || kind.queuesEachAcquisition();
    }

    LockTarget target() {
        return target;
    }

    LockKind kind() {
        return kind;
    }

    /** Whether each acquisition keeps one owner token across its attempts: the store queues it by that token. */
    boolean queuesEachAcquisition() {
        return queuesEachAcquisition;
    }

    String name() {
        return name;
    }

    /**
     * Completes when this acquisition may talk to the store: at once when nobody else in this client
     * does. Its value is what the previous lease handed on, or null.
     */
    synchronized CompletableFuture<Handover> enterGate() {
        if (gate == LockKind.Gate.NONE) {
            return CompletableFuture.completedFuture(null);
        }
        if (!gateTaken) {
            gateTaken = true;
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Handover> turn = new CompletableFuture<>();
        gateQueue.add(turn);
        return turn;
    }

    /** Turns queued at the gate, for the tests. */
    synchronized int queuedTurns() {
        return gateQueue.size();
    }

    /** Forgets a turn that gave up (timed out, cancelled), so that a poller cannot fill the queue. */
    synchronized void leaveGate(CompletableFuture<Handover> turn) {
        gateQueue.remove(turn);
    }

    /**
     * Hands the gate, with what the ended lease handed on, to the longest waiting acquisition that
     * has not given up, or opens it.
     */
    void exitGate() {
        if (gate == LockKind.Gate.NONE) {
            return;
        }
        Handover passing;
        synchronized (this) {
            passing = handover;
            handover = null;
        }
        while (true) {
            CompletableFuture<Handover> next;
            synchronized (this) {
                next = gateQueue.poll();
                if (next == null && passing == null) {
                    gateTaken = false;
                    return;
                }
            }
            if (next == null) {
                // Nobody takes it: leave the queue while the gate is still taken, so that a
                // newcomer's first try goes out after the ZREM and keeps the place it queues for.
                passing.discard();
                passing = null;
            } else if (next.complete(passing)) {
                return;
            }
            // A waiter that timed out or was cancelled meanwhile refuses the turn: try the next.
        }
    }

    /**
     * The watch kept for the next acquisition, when threads still wait at the gate (a
     * release then queues this client behind the one it wakes); null otherwise.
     */
    synchronized ReleaseWatch watchForWaiters() {
        return handover != null && hasWaiters() ? handover.watch() : null;
    }

    /**
     * The release of {@code lease}, sent with threads waiting, asked to queue this client behind
     * the client it woke: the next acquisition waits for {@code nextRelease} (null: the release
     * did not queue this client, it tries at once). Ignored when {@code lease} has already ended
     * (it was found lost first): that acquisition tries at once, and a failed try keeps the place.
     */
    synchronized void releasedWithWaiters(EngineLease lease, CompletableFuture<Void> nextRelease, Runnable leaveQueue) {
        if (current.contains(lease) && handover != null) {
            handover = new Handover(handover.watch(), nextRelease, leaveQueue);
        }
    }

    /** Whether an acquisition waits at the gate that has not given up (timed out, cancelled). */
    private boolean hasWaiters() {
        return gateQueue.stream().anyMatch(turn -> !turn.isDone());
    }

    /**
     * Records the lease just won by an acquisition, and the watch it waited with (or null), kept
     * for the acquisition after it when the winner holds the gate ({@code gateTaken}). A reader
     * passes the gate on at once, with the watch; a fair lock, or a winner that bypassed the gate,
     * has no next acquisition to keep it for.
     */
    void held(EngineLease lease, ReleaseWatch watch, boolean gateTaken) {
        boolean keepsWatch = gateTaken && gate != LockKind.Gate.NONE;
        synchronized (this) {
            current.add(lease);
            if (keepsWatch) {
                handover = watch == null ? null : Handover.watching(watch);
            }
        }
        if (!keepsWatch && watch != null) {
            LockEngine.bestEffort(watch::close);
        }
        if (gateTaken && gate == LockKind.Gate.PASSED_AT_GRANT) {
            exitGate();
        }
    }

    /**
     * A further Lock-view hold for {@code thread} on the lease it holds through that view; false
     * when it holds none, or holds a lost one (the thread then acquires anew, with a new token).
     */
    boolean reenter(Thread thread) {
        Deque<Hold> holds = threadHolds.get(thread);
        if (holds == null || !holds.peek().isValid()) {
            return false;
        }
        holds.push(holds.peek());
        return true;
    }

    /** Records the first Lock-view hold of a lease that {@code thread} just acquired. */
    void hold(Thread thread, Hold hold) {
        hold.lease().heldBy(thread);
        threadHolds.computeIfAbsent(thread, t -> new ArrayDeque<>()).push(hold);
    }

    /** Forgets every Lock-view hold of a thread that ended without unlocking. */
    void dropHolds(Thread thread) {
        threadHolds.remove(thread);
    }

    /**
     * Drops the latest Lock-view hold of {@code thread}.
     *
     * @return the hold, or null if the thread has none
     */
    Hold unhold(Thread thread) {
        Deque<Hold> holds = threadHolds.get(thread);
        if (holds == null) {
            return null;
        }
        Hold hold = holds.pop();
        if (holds.isEmpty()) {
            threadHolds.remove(thread);
        }
        return hold;
    }

    /** Whether {@code thread} still has a Lock-view hold on {@code hold}'s lease: an inner unlock. */
    boolean stillHolds(Thread thread, Hold hold) {
        Deque<Hold> holds = threadHolds.get(thread);
        return holds != null && holds.peek() == hold;
    }

    /** The latest Lock-view hold of {@code thread} if its lease is valid, else null. */
    Hold validHold(Thread thread) {
        Deque<Hold> holds = threadHolds.get(thread);
        Hold top = holds == null ? null : holds.peek();
        return top != null && top.isValid() ? top : null;
    }

    /** How many Lock-view holds {@code thread} has on its valid lease; zero if it has none. */
    int holdCount(Thread thread) {
        Deque<Hold> holds = threadHolds.get(thread);
        if (holds == null || !holds.peek().isValid()) {
            return 0;
        }
        Hold top = holds.peek();
        return (int) holds.stream().takeWhile(hold -> hold == top).count();
    }

    /** Records an acquisition of a permit that waits, queued at the store by {@code owner}. */
    synchronized void waitsForPermit(String owner, Acquisition acquisition) {
        permitWaiters.putIfAbsent(owner, acquisition);
    }

    /** Forgets an acquisition of a permit that ended (won or failed); nothing for other kinds. */
    void stopsWaitingForPermit(String owner) {
        if (kind != LockKind.PERMIT) {
            // Only permits are recorded: every other acquisition's win skips the monitor.
            return;
        }
        synchronized (this) {
            permitWaiters.remove(owner);
        }
    }

    /** The acquisitions of a permit that wait, oldest first, reserved for nothing; for the tests. */
    synchronized List<Acquisition> waitingForPermit() {
        return List.copyOf(permitWaiters.values());
    }

    /**
     * The oldest acquisitions of a permit that wait with no attempt on its way, at most
     * {@value #MAX_PERMIT_WAITERS_PASSED}, each reserved for the release that asks
     * ({@link Acquisition#reserveForPass}): the ones it may pass its permit to. The store passes it
     * to the first of its queue, which is not always the oldest here: other releases of this client
     * on their way may have taken the oldest, and acquisitions sent together may be queued at the
     * store in one order and recorded here in another. With 16 threads on 4 permits, naming the
     * oldest 6 missed the first of the queue in about half the releases, the oldest 8 in under 1%;
     * naming up to 16, 189 releases of 15,327 missed it with 16 threads, 32 of 24,582 with 64.
     */
    synchronized Map<String, Acquisition> permitWaiters() {
        Map<String, Acquisition> oldest = new LinkedHashMap<>();
        for (Map.Entry<String, Acquisition> waiter : permitWaiters.entrySet()) {
            if (oldest.size() == MAX_PERMIT_WAITERS_PASSED) {
                break;
            }
            if (waiter.getValue().reserveForPass()) {
                oldest.put(waiter.getKey(), waiter.getValue());
            }
        }
        return oldest;
    }

    synchronized List<EngineLease> currentLeases() {
        return new ArrayList<>(current);
    }

    /** Forgets the ended lease and passes the gate on, if the lease held it until now. */
    void ended(EngineLease lease) {
        synchronized (this) {
            current.remove(lease);
        }
        if (gate == LockKind.Gate.HELD_WHILE_HOLDING) {
            exitGate();
        }
    }
}
