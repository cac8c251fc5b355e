package dev.fencelock.redis;

import dev.fencelock.LockClient;
import dev.fencelock.spi.Checks;

/**
 * The Redis names of one lock. The hash tag {@code {name}} puts all of them in one Cluster hash
 * slot, so one script may touch them together. Only the lock key is built up front; the others are
 * built when asked for, as each script needs a few of them and one is built per acquire, release
 * and renewal.
 *
 * @param name the lock's name
 * @param lock {@code <namespace>{<name>}}: the owner token of the current holder, a plain string
 */
record LockKeys(String name, String lock) {
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
        return new LockKeys(name, namespace + "{" + name + "}");
    }

    /** {@code <namespace>{<name>}:fence}: the fence counter. */
    String fence() {
        return lock + ":fence";
    }

    /** {@code <namespace>{<name>}:released}: where a release is announced to waiters. */
    String channel() {
        return lock + ":released";
    }

    /** {@code <namespace>{<name>}:waiters}: the clients waiting, longest first, of which a release wakes one. */
    String waiters() {
        return lock + ":waiters";
    }

    /**
     * {@code <namespace>{<name>}:waiter-deadlines}: when each waiting client is presumed dead unless
     * it tries again, so that a release skips it.
     */
    String waiterDeadlines() {
        return lock + ":waiter-deadlines";
    }

    /**
     * {@code <namespace>{<name>}:last-release}: the owner token of the last release, kept briefly,
     * so that a release sent again after a lost reply knows it deleted the key.
     */
    String lastRelease() {
        return lock + ":last-release";
    }

    /**
     * {@code <namespace>{<name>}:recent-releases}: the owner tokens of the read leases and permits
     * released lately, each kept briefly, so that a release sent again after a lost reply knows it
     * released its lease while other holders of the name release theirs.
     */
    String recentReleases() {
        return lock + ":recent-releases";
    }

    /** {@code <namespace>{<name>}:readers}: the read leases, each with its expiry. */
    String readers() {
        return lock + READERS_SUFFIX;
    }

    /** {@code <namespace>{<name>}:fair-queue}: the fair acquisitions waiting, in arrival order. */
    String fairQueue() {
        return lock + ":fair-queue";
    }

    /** {@code <namespace>{<name>}:fair-deadlines}: when each fair acquisition is presumed gone and skipped. */
    String fairDeadlines() {
        return lock + ":fair-deadlines";
    }

    /** {@code <namespace>{<name>}:permits}: the holders of the semaphore of the name, each with its expiry, and its count. */
    String permits() {
        return lock + PERMITS_SUFFIX;
    }

    /** {@code <namespace>{<name>}:permit-queue}: the semaphore's acquisitions waiting, in arrival order. */
    String permitQueue() {
        return lock + ":permit-queue";
    }

    /** {@code <namespace>{<name>}:permit-deadlines}: when each of them is presumed gone and skipped. */
    String permitDeadlines() {
        return lock + ":permit-deadlines";
    }

    /**
     * {@code <namespace>{<name>}:permit-released}: where a freed permit is announced, apart from the
     * lock's releases so that neither wakes the other's waiters.
     */
    String permitChannel() {
        return lock + ":permit-released";
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
