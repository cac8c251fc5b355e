package dev.fencelock.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A multi-lock: several names held as {@link LockKind#PLAIN} locks by one lease, all or none
 * ({@link LockStore#acquireAll}). It waits for the release of the name that refused it: it watches
 * every name, and {@link MultiReleaseWatch} wakes it at the release of the one that last refused.
 *
 * @param names distinct, checked names, in the order the caller gave them
 */
record MultiLockTarget(List<String> names) implements LockTarget {

    MultiLockTarget {
        names = List.copyOf(names);
    }

    @Override
    public LockKind kind() {
        return LockKind.PLAIN;
    }

    @Override
    public String name() {
        return names.toString();
    }

    @Override
    public CompletableFuture<Attempt> acquire(LockStore store, String owner, Duration lease, boolean waiting,
            String alongside) {
        return store.acquireAll(names, owner, lease, waiting);
    }

    /**
     * Never queues this client behind the one it wakes (a name's queue cannot stand for all the
     * names): the next acquisition of this client tries at once.
     */
    @Override
    public CompletableFuture<Released> release(LockStore store, String owner, boolean requeue) {
        return store.releaseAll(names, owner);
    }

    @Override
    public CompletableFuture<ReleaseWatch> watch(LockStore store, String owner) {
        List<CompletableFuture<ReleaseWatch>> watches = new ArrayList<>(names.size());
        for (String name : names) {
            watches.add(LockEngine.call(() -> store.watch(LockKind.PLAIN, name, owner)));
        }
        return CompletableFuture.allOf(watches.toArray(CompletableFuture[]::new))
                .handle((done, error) -> {
                    if (error != null) {
                        // Those that were opened are closed again: the acquisition fails with the error.
                        watches.stream().filter(watch -> !watch.isCompletedExceptionally())
                                .forEach(watch -> LockEngine.bestEffort(() -> watch.join().close()));
                        throw new CompletionException(Await.unwrap(error));
                    }
                    return new MultiReleaseWatch(names, watches.stream().map(CompletableFuture::join).toList());
                });
    }

    @Override
    public void refused(ReleaseWatch watch, Attempt.Refused refused) {
        ((MultiReleaseWatch) watch).blockedBy(refused.blockedBy());
    }

    /** Off the queue of every name: a refusal queued it on the name that refused, which may have changed. */
    @Override
    public void stopWaiting(LockStore store, String owner) {
        names.forEach(name -> store.stopWaiting(LockKind.PLAIN, name, owner));
    }

    @Override
    public CompletableFuture<Boolean> isLocked(LockStore store) {
        List<CompletableFuture<Boolean>> each = names.stream().map(name -> store.isLocked(LockKind.PLAIN, name)).toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(done -> each.stream().anyMatch(CompletableFuture::join));
    }
}
