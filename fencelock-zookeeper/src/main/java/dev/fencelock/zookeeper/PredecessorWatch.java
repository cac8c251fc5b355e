package dev.fencelock.zookeeper;

import dev.fencelock.spi.ReleaseWatch;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * One waiting acquisition's watch of the node it waits for ({@link LockNodes#blocker}): the store
 * arms it on that node after each refused attempt, and ZooKeeper calls it once when the node
 * changes or goes. Armed again on the same node it is one watch, not two (ZooKeeper keeps a set of
 * watchers per path). A wake from a node it no longer waits for only costs one attempt more.
 */
final class PredecessorWatch implements ReleaseWatch, Watcher {
    private final Consumer<PredecessorWatch> onClose;
    /**
     * The nodes this watch saw deleted since it was last armed: a path never comes back, since every
     * node's name ends in its own sequence.
     */
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    /** The nodes this watch is known to be set on: ZooKeeper answered the read that set it, the node still there. */
    private final Set<String> watching = ConcurrentHashMap.newKeySet();
    // Guarded by this.
    private CompletableFuture<Void> next = new CompletableFuture<>();

    PredecessorWatch(Consumer<PredecessorWatch> onClose) {
        this.onClose = onClose;
    }

    @Override
    public synchronized CompletableFuture<Void> nextRelease() {
        return next;
    }

    /** The node waited for changed or is gone: wakes whoever waits, and starts the next wait. */
    void fire() {
        CompletableFuture<Void> woken;
        synchronized (this) {
            woken = next;
            next = new CompletableFuture<>();
        }
        woken.complete(null);
    }

    /** The node at {@code path}, waited for, is gone: wakes whoever waits, who may then hold the lock without reading the queue. */
    void deleted(String path) {
        deleted.add(path);
        fire();
    }

    boolean sawDeleted(String path) {
        return deleted.contains(path);
    }

    /** ZooKeeper set this watch on the node at {@code path}: its deletion from now on is notified, in order with the others. */
    void setOn(String path) {
        watching.add(path);
    }

    /**
     * Whether the node at {@code path} is watched, with no disconnect since the watch was set, and
     * was not seen deleted: any deletion of it before a later notification was then seen first.
     */
    boolean sawNoDeletionOf(String path) {
        return watching.contains(path) && !deleted.contains(path);
    }

    /**
     * Forgets the deletions and watches seen so far but those of {@code waiter}, the node of the acquisition, as
     * the store arms the watch again: they do not pile up over the attempts. A node waited for is
     * watched again and, if gone, answers NONODE; the waiter's own deletion must not be forgotten,
     * since it may have been seen before this runs and the notifications of the old watch after it.
     */
    void armedFor(String waiter) {
        deleted.removeIf(path -> !path.equals(waiter));
        watching.removeIf(path -> !path.equals(waiter));
    }

    @Override
    public void process(WatchedEvent event) {
        if (event.getType() == Event.EventType.None) {
            if (event.getState() != Event.KeeperState.SyncConnected) {
                // Disconnected (or worse): on reconnecting, the server notifies the deletions it
                // missed in the order of the client's watch list, not in the order they happened,
                // so no watch set before counts for the order of deletions any more. This event
                // comes before those, on the same thread.
                watching.clear();
            }
        } else if (event.getType() == Event.EventType.NodeDeleted) {
            deleted(event.getPath());
        } else {
            fire();
        }
    }

    @Override
    public void close() {
        onClose.accept(this);
    }
}
