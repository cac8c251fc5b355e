package dev.fencelock;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process side of one lock name within one client: a FIFO gate that lets one acquisition at
 * a time talk to Redis (so that threads of one JVM waiting for the same name share one remote
 * waiter), the lease currently held through this client, and the holds taken through the
 * {@link java.util.concurrent.locks.Lock} view, per thread.
 *
 * <p>The gate is taken when an acquisition starts its remote attempts and passed on when it fails,
 * or when the lease it won ends (released or lost).
 */
final class LocalLock {
    private final LockKeys keys;
    /** Acquisitions in progress plus holds not yet released; guarded by the client's map. */
    int references;
    // Guarded by this.
    private boolean gateTaken;
    private final Deque<CompletableFuture<Void>> gateQueue = new ArrayDeque<>();
    private RedisLease current;
    /** Holds taken with lock()/tryLock(), released by unlock() of the same thread. */
    final Map<Thread, Deque<Hold>> threadHolds = new ConcurrentHashMap<>();

    LocalLock(LockKeys keys) {
        this.keys = keys;
    }

    LockKeys keys() {
        return keys;
    }

    /** Completes when this acquisition may talk to Redis: at once when nobody else in this client does. */
    synchronized CompletableFuture<Void> enterGate() {
        if (!gateTaken) {
            gateTaken = true;
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> turn = new CompletableFuture<>();
        gateQueue.add(turn);
        return turn;
    }

    /** Hands the gate to the longest waiting acquisition that has not given up, or opens it. */
    void exitGate() {
        while (true) {
            CompletableFuture<Void> next;
            synchronized (this) {
                next = gateQueue.poll();
                if (next == null) {
                    gateTaken = false;
                    return;
                }
            }
            // A waiter that timed out or was cancelled meanwhile refuses the turn: try the next.
            if (next.complete(null)) {
                return;
            }
        }
    }

    /** Records the lease just won by the acquisition that holds the gate. */
    synchronized void held(RedisLease lease) {
        lease.holds = 1;
        current = lease;
    }

    /**
     * A further hold on the lease that {@code thread} already holds, or null if it holds none, or
     * holds a lost one (the thread then acquires anew, after the lost lease hands the gate on).
     */
    synchronized RedisLease reenter(Thread thread) {
        if (current == null || current.holder() != thread || current.holds == 0 || current.isLost()) {
            return null;
        }
        current.holds++;
        return current;
    }

    /** Drops one hold; true when it was the lease's last. */
    synchronized boolean dropHold(RedisLease lease) {
        return --lease.holds == 0;
    }

    /** The lease {@code thread} holds through this client, or null. */
    RedisLease heldBy(Thread thread) {
        RedisLease lease;
        synchronized (this) {
            lease = current != null && current.holder() == thread && current.holds > 0 ? current : null;
        }
        // Outside the monitor: finding the lease expired signals the loss and hands the gate on,
        // which may run the next acquisition's continuation on this thread.
        return lease != null && lease.isValid() ? lease : null;
    }

    synchronized RedisLease currentLease() {
        return current;
    }

    /** How many holds {@code thread} has on the current lease. */
    synchronized int holdCount(Thread thread) {
        return current != null && current.holder() == thread ? current.holds : 0;
    }

    /** Forgets the ended lease and passes the gate on. */
    void ended(RedisLease lease) {
        synchronized (this) {
            if (current == lease) {
                current = null;
            }
        }
        exitGate();
    }
}
