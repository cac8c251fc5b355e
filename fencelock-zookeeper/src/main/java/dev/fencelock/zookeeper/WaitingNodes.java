package dev.fencelock.zookeeper;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;

/**
 * This client's nodes that wait, by what they queue for, and which of them waits for which node,
 * so that a grant of this client can tell the node behind it that its blocker is now the first of
 * the queue. Within one client at most one waiting node waits for a given node: an exclusive node
 * waits for the node right before it, and a reader (one per name and client) for the exclusive
 * node nearest before it. Thread-safe.
 */
final class WaitingNodes {
    private final ConcurrentMap<QueueKey, WaitingNode> byQueue = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, QueueKey> byBlocker = new ConcurrentHashMap<>();

    void put(QueueKey key, WaitingNode node) {
        byQueue.put(key, node);
        if (node.blocker() != null) {
            byBlocker.put(node.blocker(), key);
        }
    }

    /** The node waiting for {@code key}, taken off (its next attempt decides what becomes of it), or null. */
    WaitingNode take(QueueKey key) {
        WaitingNode node = byQueue.remove(key);
        if (node != null && node.blocker() != null) {
            byBlocker.remove(node.blocker(), key);
        }
        return node;
    }

    /**
     * The node at {@code path} holds its lock exclusively: everything before it is gone. The node
     * waiting for it, if any, is marked and handed to {@code marked}.
     */
    void heldExclusively(String path, BiConsumer<QueueKey, WaitingNode> marked) {
        QueueKey key = byBlocker.get(path);
        WaitingNode behind = key == null ? null : byQueue.get(key);
        if (behind == null || behind.blockerFirst() || !path.equals(behind.blocker())) {
            return;
        }
        WaitingNode first = behind.behindFirst();
        if (byQueue.replace(key, behind, first)) {
            marked.accept(key, first);
        }
    }

    /** How many nodes wait, for the tests. */
    int size() {
        return byQueue.size();
    }

    /** Forgets the nodes of a session that ended: they are gone with it. */
    void forgetSession(long session) {
        byQueue.entrySet().removeIf(entry -> entry.getValue().node().session() == session);
        byBlocker.values().removeIf(key -> !byQueue.containsKey(key));
    }
}
