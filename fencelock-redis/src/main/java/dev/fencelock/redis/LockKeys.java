package dev.fencelock.redis;

import dev.fencelock.LockClient;
import dev.fencelock.spi.Checks;

/**
 * The Redis names of one lock. The hash tag {@code {name}} puts all of them in one Cluster hash
 * slot, so one script may touch them together.
 *
 * @param name the lock's name
 * @param lock {@code <namespace>{<name>}}: the owner token of the current holder, a plain string
 * @param fence {@code <namespace>{<name>}:fence}: the fence counter
 * @param channel {@code <namespace>{<name>}:released}: where a release is announced to waiters
 * @param waiters {@code <namespace>{<name>}:waiters}: the clients waiting, longest first, of which
 *     a release wakes one
 * @param waiterDeadlines {@code <namespace>{<name>}:waiter-deadlines}: when each waiting client is
 *     presumed dead unless it tries again, so that a release skips it
 * @param lastRelease {@code <namespace>{<name>}:last-release}: the owner token of the last release,
 *     kept briefly, so that a release sent again after a lost reply knows it deleted the key
 * @param readers {@code <namespace>{<name>}:readers}: the read leases, each with its expiry
 * @param fairQueue {@code <namespace>{<name>}:fair-queue}: the fair acquisitions waiting, in arrival order
 * @param fairDeadlines {@code <namespace>{<name>}:fair-deadlines}: when each fair acquisition is
 *     presumed gone and skipped
 * @param permits {@code <namespace>{<name>}:permits}: the holders of the semaphore of the name, each
 *     with its expiry, and its count
 * @param permitQueue {@code <namespace>{<name>}:permit-queue}: the semaphore's acquisitions waiting,
 *     in arrival order
 * @param permitDeadlines {@code <namespace>{<name>}:permit-deadlines}: when each of them is presumed
 *     gone and skipped
 * @param permitChannel {@code <namespace>{<name>}:permit-released}: where a freed permit is
 *     announced, apart from the lock's releases so that neither wakes the other's waiters
 */
record LockKeys(String name, String lock, String fence, String channel, String waiters, String waiterDeadlines,
        String lastRelease, String readers, String fairQueue, String fairDeadlines, String permits, String permitQueue,
        String permitDeadlines, String permitChannel) {
    /** What {@link #readers} adds to {@link #lock}. */
    static final String READERS_SUFFIX = ":readers";
    /** What {@link #permits} adds to {@link #lock}. */
    static final String PERMITS_SUFFIX = ":permits";

    /** The keys of a name given by an operator: checked first, as the engine checks a lock's name. */
    static LockKeys of(String namespace, String name) {
        Checks.requireLength(name, "name", 1, LockClient.MAX_NAME_LENGTH);
        requireNoHashTagBraces(name, "name");
        Checks.requireWellFormed(name, "name");
        return ofCheckedName(namespace, name);
    }

    /**
     * The keys of a name the engine and {@link RedisStore#checkName} have checked already: built
     * on every acquire, release and renewal, so not scanned again there.
     */
    static LockKeys ofCheckedName(String namespace, String name) {
        String lock = namespace + "{" + name + "}";
        return new LockKeys(name, lock, lock + ":fence", lock + ":released", lock + ":waiters",
                lock + ":waiter-deadlines", lock + ":last-release", lock + READERS_SUFFIX, lock + ":fair-queue",
                lock + ":fair-deadlines", lock + PERMITS_SUFFIX, lock + ":permit-queue", lock + ":permit-deadlines",
                lock + ":permit-released");
    }

    /**
     * The braces delimit the Redis Cluster hash tag that keeps a lock's keys in one slot: in a
     * name or a namespace they would move the tag, and the keys would land in different slots.
     */
    static String requireNoHashTagBraces(String value, String name) {
        if (value.indexOf('{') >= 0 || value.indexOf('}') >= 0) {
            throw new IllegalArgumentException(name + " must not contain '{' or '}', which delimit the Redis"
                    + " Cluster hash tag of a lock's keys, was '" + value + "'");
        }
        return value;
    }
}
