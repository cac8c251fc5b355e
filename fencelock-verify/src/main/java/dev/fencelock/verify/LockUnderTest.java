package dev.fencelock.verify;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Which of Fencelock's locks a scenario's clients contend for, and how a client picks the lock of
 * one round: the plain lock, the fair lock, a side of the read-write lock, or a permit of a
 * semaphore of {@value #PERMITS}.
 */
enum LockUnderTest {
    PLAIN("plain"),
    FAIR("fair"),
    /** A round writes in {@value #WRITE_PERCENT} of a hundred and reads otherwise, so that readers share the lock often. */
    READ_WRITE("read-write"),
    /** A permit of the semaphore of the name, of {@value #PERMITS} permits: its holders share it, as readers do. */
    PERMIT("permit");

    static final int WRITE_PERCENT = 30;
    /** The semaphore's count: fewer than the clients, so that they wait for permits. */
    static final int PERMITS = 2;

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
        throw new IllegalArgumentException("lock must be plain, fair, read-write or permit, was " + id);
    }

    /** The locks of one client, one of which each round takes. */
    Choice open(LockClient locks, String name) {
        return switch (this) {
            case PLAIN -> random -> new Round(locks.lock(name)::acquireAsync, Round.EXCLUSIVE);
            case FAIR -> random -> new Round(locks.fairLock(name)::acquireAsync, "fair");
            case READ_WRITE -> {
                var readWrite = locks.readWriteLock(name);
                yield random -> random.nextInt(100) < WRITE_PERCENT ? new Round(readWrite.writeLock()::acquireAsync, "write")
                        : new Round(readWrite.readLock()::acquireAsync, Round.READ);
            }
            case PERMIT -> {
                var semaphore = locks.semaphore(name, PERMITS);
                yield random -> new Round(semaphore::acquireAsync, Round.PERMIT);
            }
        };
    }

    /** Picks the lock of each round. */
    interface Choice {
        Round next(Random random);
    }

    /** How a round acquires: a lock's or a semaphore's {@code acquireAsync}. */
    interface Acquirer {
        CompletableFuture<Lease> acquireAsync(Duration maxWait, LeaseOptions options);
    }

    /**
     * The lock of one round, and its kind as the history's {@code kind=} names it: empty for the
     * plain lock, {@code fair}, {@code read}, {@code write} or {@code permit}.
     */
    record Round(Acquirer lock, String kind) {
        static final String EXCLUSIVE = "";
        static final String READ = "read";
        static final String PERMIT = "permit";

        /**
         * Whether the holder shares the lock (a reader, a semaphore's permit): it reads the counter
         * and never writes it.
         */
        boolean isShared() {
            return kind.equals(READ) || kind.equals(PERMIT);
        }
    }
}
