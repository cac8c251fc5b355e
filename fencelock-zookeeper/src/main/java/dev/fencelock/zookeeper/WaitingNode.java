package dev.fencelock.zookeeper;

/**
 * A node of this client that waits in a lock's queue, between two attempts of its acquisition.
 *
 * @param node the node
 * @param blocker the path of the node it waits for ({@link LockNodes#blocker}), or null when it is
 *     not known (the attempt failed before the queue was read)
 * @param blockerFirst whether the blocker has been the first of the queue since this node queued:
 *     it was first when the queue was read, or this client was granted it as an exclusive lock.
 *     Nothing can queue before a node once it exists (the sequence only grows), so once such a
 *     blocker is gone nothing is before this node but nodes it does not wait for (readers, for a
 *     reader): this node then holds the lock without reading the queue again.
 */
record WaitingNode(LockNode node, String blocker, boolean blockerFirst) {

    static WaitingNode unjudged(LockNode node) {
        return new WaitingNode(node, null, false);
    }

    WaitingNode behindFirst() {
        return new WaitingNode(node, blocker, true);
    }

    /**
     * Whether {@code watch} saw the blocker deleted after it had been the first of the queue, and
     * not this node before it (an operator's delete): the store watches this node too once the
     * blocker is known to be first, and only a watch that ZooKeeper confirmed set counts, since
     * only then is a deletion of this node notified before the blocker's later one.
     */
    boolean holdsOnceGone(PredecessorWatch watch) {
        return blockerFirst && watch.sawDeleted(blocker) && watch.sawNoDeletionOf(node.path());
    }
}
