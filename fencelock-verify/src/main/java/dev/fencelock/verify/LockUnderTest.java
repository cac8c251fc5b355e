package dev.fencelock.verify;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;
import java.util.Random;

/**
 * Which of Fencelock's locks a scenario's clients contend for, and how a client picks the lock of
 * one round: the plain lock, the fair lock, or a side of the read-write lock.
 */
enum LockUnderTest {
    PLAIN("plain"),
    FAIR("fair"),
    /** A round writes in {@value #WRITE_PERCENT} of a hundred and reads otherwise, so that readers share the lock often. */
    READ_WRITE("read-write");

    static final int WRITE_PERCENT = 30;

    private final String id;

    LockUnderTest(String id) {
        this.id = id;
    }

    /** The name on a client's command line and in the report. */
    String id() {
        return id;
    }

    static LockUnderTest byId(String id) {
        for (LockUnderTest lock : values()) {
            if (lock.id.equals(id)) {
                return lock;
            }
        }
        throw new IllegalArgumentException("lock must be plain, fair or read-write, was " + id);
    }

    /** The locks of one client, one of which each round takes. */
    Choice open(LockClient locks, String name) {
        return switch (this) {
            case PLAIN -> random -> new Round(locks.lock(name), Round.EXCLUSIVE);
            case FAIR -> random -> new Round(locks.fairLock(name), "fair");
            case READ_WRITE -> {
                var readWrite = locks.readWriteLock(name);
                yield random -> random.nextInt(100) < WRITE_PERCENT ? new Round(readWrite.writeLock(), "write")
                        : new Round(readWrite.readLock(), Round.READ);
            }
        };
    }

    /** Picks the lock of each round. */
    interface Choice {
        Round next(Random random);
    }

    /**
     * The lock of one round, and its kind as the history's {@code kind=} names it: empty for the
     * plain lock, {@code fair}, {@code read} or {@code write}.
     */
    record Round(DistributedLock lock, String kind) {
        static final String EXCLUSIVE = "";
        static final String READ = "read";

        /** Whether the holder shares the lock (a reader): it reads the counter and never writes it. */
        boolean isShared() {
            return kind.equals(READ);
        }
    }
}
