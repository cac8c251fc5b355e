package dev.fencelock.zookeeper;

import dev.fencelock.spi.ReleaseWatch;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * One waiting acquisition's watch of the node it waits for ({@link LockNodes#blocker}): the store
 * arms it on that node after each refused attempt, and ZooKeeper calls it once when the node
 * changes or goes. Armed again on the same node it is one watch, not two (ZooKeeper keeps a set of
 * watchers per path). A wake from a node it no longer waits for only costs one attempt more.
 * ZooKeeper's client holds it for a node until that node changes: closed before, it is removed
 * from the client, or every abandoned wait would stay there as long as the lock stays held.
 */
final class PredecessorWatch implements ReleaseWatch, Watcher {
    private final Consumer<PredecessorWatch> onClose;
    /** Takes this watch out of ZooKeeper's client for the node at a path. */
    private final BiConsumer<PredecessorWatch, String> remove;
    /**
     * The nodes this watch saw deleted since it was last armed: a path never comes back, since every
     * node's name ends in its own sequence.
     */
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    /** The nodes this watch is known to be set on: ZooKeeper answered the read that set it, the node still there. */
    private final Set<String> watching = ConcurrentHashMap.newKeySet();
    /**
     * The nodes that ZooKeeper's client holds this watch for: set by a read, until the node changes
     * or the watch is removed. Not forgotten as {@link #watching} is: a disconnect keeps the client's watches.
     */
    private final Set<String> clientHolds = ConcurrentHashMap.newKeySet();
    /** The node of the acquisition this watch was last armed for ({@link #armedFor}); null before. */
    private volatile String waiter;
    private final AtomicBoolean closed = new AtomicBoolean();
    // Guarded by this.
    private CompletableFuture<Void> next = new CompletableFuture<>();

    PredecessorWatch(Consumer<PredecessorWatch> onClose, BiConsumer<PredecessorWatch, String> remove) {
        this.onClose = onClose;
        this.remove = remove;
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
        heldFor(path);
    }

    /**
     * ZooKeeper's client holds this watch for the node at {@code path}, which a read set (perhaps
     * one answered too late to count for {@link #setOn}). Removed at once if the watch was closed
     * meanwhile: the removals at close may have gone before the read. The waiter's own node is
     * left out: this client deletes it when the wait ends or the lease it won does, and the watch
     * goes with it; removing it at a grant would cost a request the hand-off does not need.
     */
    void heldFor(String path) {
        if (path.equals(waiter)) {
            return;
        }
        clientHolds.add(path);
        if (closed.get()) {
            removeFrom(path);
        }
    }

    /** Removes this watch from the client for {@code path}, once: close and a late read may both try. */
    private void removeFrom(String path) {
        if (clientHolds.remove(path)) {
            remove.accept(this, path);
        }
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
        this.waiter = waiter;
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
            return;
        }
        // ZooKeeper calls a watch once for a node, and its client forgets it for that node then.
        clientHolds.remove(event.getPath());
        if (event.getType() == Event.EventType.NodeDeleted) {
            deleted(event.getPath());
        } else if (event.getType() != Event.EventType.DataWatchRemoved) {
            // A removal is this watch's own close, not a change of the node.
            fire();
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            onClose.accept(this);
            clientHolds.forEach(this::removeFrom);
        }
    }
}
