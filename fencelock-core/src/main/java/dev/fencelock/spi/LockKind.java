package dev.fencelock.spi;

/**
 * The kinds of lock a store may hold under one name. One name is one lock whatever the kind:
 * {@link #PLAIN} and {@link #FAIR} hold the same exclusive key, and {@link #READ} shares the name
 * with them, excluding them and excluded by them. A read-write lock's write side is the plain
 * lock. All kinds of a name draw their fencing tokens from one sequence. {@link #PERMIT} is the
 * exception to "one name is one lock": a semaphore's permits neither exclude nor are excluded by
 * the lock of the same name; they share its token sequence only.
 */
public enum LockKind {
    /**
     * Exclusive, and the write side of a read-write lock; waiters are woken in the order their
     * clients queued, and a newcomer may barge.
     */
    PLAIN(Gate.HELD_WHILE_HOLDING),
    /**
     * Exclusive and granted in the order acquisitions arrived at the store, every acquisition queued
     * on its own (not one remote waiter per client): the store keys its queue entry by the
     * acquisition's owner token, which stays the same across its attempts. A release hands the lock
     * to the head of the queue; nobody else may take it while the head's claim window runs.
     */
    FAIR(Gate.NONE),
    /**
     * Shared with other readers, excluded by an exclusive holder, and refused while an exclusive
     * acquisition waits (writer preference). Each reader's lease expires on its own.
     */
    READ(Gate.PASSED_AT_GRANT),
    /**
     * One permit of a semaphore ({@link LockStore#acquirePermit}): shared with the other permits up
     * to the semaphore's count, which the store keeps. Granted in the order acquisitions arrived at
     * the store, each queued on its own by its owner token as {@link #FAIR} is, and each permit's
     * lease expires on its own as a reader's does.
     */
    PERMIT(Gate.NONE);

    /**
     * How the acquisitions of one client share the name's local gate, which lets one of them at a
     * time talk to the store.
     */
    enum Gate {
        /** Taken until the lease won ends: the threads of a client share one remote waiter. */
        HELD_WHILE_HOLDING,
        /** Taken while acquiring, passed on at the grant: the next reader of the client tries at once. */
        PASSED_AT_GRANT,
        /** None: every acquisition queues at the store itself, in the order it was called. */
        NONE
    }

    private final Gate gate;

    LockKind(Gate gate) {
        this.gate = gate;
    }

    Gate gate() {
        return gate;
    }

    /**
     * Whether an acquisition that will wait watches the name before its first attempt, rather than
     * after a refusal (then it must try again at once, for a release between the two): a semaphore's
     * permits change hands often, so its watch is mostly in place already and costs nothing, and
     * each contended acquisition saves an attempt.
     */
    boolean watchesBeforeFirstAttempt() {
        return this == PERMIT;
    }

    /** Whether the acquisition keeps one owner token across its attempts: the store queues it by that token. */
    boolean queuesEachAcquisition() {
        return this == FAIR || this == PERMIT;
    }
}
