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
 * <p>An entry ends from whichever thread unlocks; the thread that locked drops ended entries when it
 * next looks, so that a lock unlocked elsewhere never answers for a task that runs later on the
 * same pooled thread.
 */
final class ActiveLeases {
    private static final ThreadLocal<Deque<Entry>> STACK = new ThreadLocal<>();

    private ActiveLeases() {}

    /** Records {@code lease} as the calling thread's innermost lock. */
    static Entry push(Lease lease) {
        Deque<Entry> stack = stack();
        if (stack == null) {
            stack = new ArrayDeque<>();
            STACK.set(stack);
        }
        Entry entry = new Entry(lease);
        stack.push(entry);
        return entry;
    }

    /** The calling thread's innermost lease that has not ended. */
    static Optional<Lease> current() {
        Deque<Entry> stack = stack();
        return stack == null ? Optional.empty() : Optional.of(stack.peek().lease);
    }

    /** The calling thread's stack without its ended entries, or null when none is left. */
    private static Deque<Entry> stack() {
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
        private volatile boolean ended;

        private Entry(Lease lease) {
            this.lease = lease;
        }

        /** The lock was unlocked, or is spent: it no longer answers on any thread. */
        void end() {
            ended = true;
        }
    }
}
