package dev.fencelock;

/**
 * The Redis names of one lock. The hash tag {@code {name}} puts the lock key and its fence counter
 * in one Cluster hash slot, so one script may touch both.
 *
 * @param name the lock's name
 * @param lock {@code <namespace>{<name>}}: the owner token of the current holder, a plain string
 * @param fence {@code <namespace>{<name>}:fence}: the fence counter
 * @param channel {@code <namespace>{<name>}:released}: where a release is announced to waiters
 * @param waiters {@code <namespace>{<name>}:waiters}: the clients waiting, longest first, of which
 *     a release wakes one
 */
record LockKeys(String name, String lock, String fence, String channel, String waiters) {

    static LockKeys of(String namespace, String name) {
        Arguments.requireLength(name, "name", 1, LockClient.MAX_NAME_LENGTH);
        if (name.indexOf('{') >= 0 || name.indexOf('}') >= 0) {
            throw new IllegalArgumentException("name must not contain '{' or '}', which delimit the Redis"
                    + " Cluster hash tag of its keys, was '" + name + "'");
        }
        String lock = namespace + "{" + name + "}";
        return new LockKeys(name, lock, lock + ":fence", lock + ":released", lock + ":waiters");
    }
}
