package dev.fencelock.shedlock;

import dev.fencelock.Lease;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Optional;

/**
 * The leases the provider granted to each thread and that have not ended: what
 * {@link FencelockLockProvider#currentLease()} answers with. A stack per thread, like ShedLock's
 * own {@code LockAssert}, for nested locks of different names.
 *
 * <p>An entry ends from whichever thread unlocks. Ended on the thread that locked (as ShedLock's
 * executor does), it leaves that thread's stack at once, and the stack leaves the thread with its
 * last entry: a pooled thread that runs no further task keeps no lease, and so no class loader,
 * referenced. Ended on another thread, it is dropped by the thread that locked when that one next
 * looks, so that it never answers for a task that runs later on the same pooled thread.
 */
final class ActiveLeases {
    private static final ThreadLocal<Deque<Entry>> STACK = new ThreadLocal<>();

    private ActiveLeases() {}

    /** Records {@code lease} as the calling thread's innermost lock. */
    static Entry push(Lease lease) {
        Deque<Entry> stack = withoutEnded();
        if (stack == null) {
            stack = new ArrayDeque<>();
            STACK.set(stack);
        }
        Entry entry = new Entry(lease, stack);
        stack.push(entry);
        return entry;
    }

    /** The calling thread's innermost lease that has not ended. */
    static Optional<Lease> current() {
        Deque<Entry> stack = withoutEnded();
        return stack == null ? Optional.empty() : Optional.of(stack.peek().lease);
    }

    /** Drops the calling thread's ended entries: its stack of those left, or null when none is. */
    private static Deque<Entry> withoutEnded() {
        Deque<Entry> stack = STACK.get();
        if (stack == null) {
            return null;
        }
        for (Iterator<Entry> entries = stack.iterator(); entries.hasNext(); ) {
            if (entries.next().ended) {
                entries.remove();
            }
        }
        if (stack.isEmpty()) {
            STACK.remove();
            return null;
        }
        return stack;
    }

    /** One lock's place on its thread's stack. */
    static final class Entry {
        private final Lease lease;
        /** The stack of the thread that locked, which only that thread touches. */
        private final Deque<Entry> stack;
        private volatile boolean ended;

        private Entry(Lease lease, Deque<Entry> stack) {
            this.lease = lease;
            this.stack = stack;
        }

        /** The lock was unlocked, or is spent: it no longer answers on any thread. */
        void end() {
            ended = true;
            // Another thread's stack is its own to change: that thread drops the entry when it next looks.
            if (STACK.get() == stack) {
                withoutEnded();
            }
        }
    }
}
