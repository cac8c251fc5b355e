package dev.fencelock.zookeeper;

/**
 * A node of this client that waits in a lock's queue, between two attempts of its acquisition.
 *
 * @param node the node
 * @param firstInLine the path of the node it waits for, when that one was the first of the queue at
 *     the attempt that refused it; null otherwise. Nothing can queue before a node once it exists
 *     (the sequence grows), so once that node is gone nothing is before this one but nodes it does
 *     not wait for (readers, for a reader): this one then holds the lock without reading the queue again.
 */
record WaitingNode(LockNode node, String firstInLine) {

    /** Whether {@code watch} saw the node this one waited for, the first in line, deleted. */
    boolean holdsOnceGone(PredecessorWatch watch) {
        return firstInLine != null && watch != null && watch.sawDeleted(firstInLine);
    }
}
