package dev.fencelock.zookeeper;

import dev.fencelock.spi.ReleaseWatch;
import java.util.concurrent.CompletableFuture;
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
    /** The last node this watch saw deleted: a path never comes back, since every node's name ends in its own sequence. */
    private volatile String deleted;
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
        deleted = path;
        fire();
    }

    boolean sawDeleted(String path) {
        return path.equals(deleted);
    }

    @Override
    public void process(WatchedEvent event) {
        if (event.getType() == Event.EventType.NodeDeleted) {
            deleted(event.getPath());
        } else if (event.getType() != Event.EventType.None) {
            fire();
        }
    }

    @Override
    public void close() {
        onClose.accept(this);
    }
}
