package dev.fencelock.spi;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A multi-lock acquisition's watch over the releases of all its names: its next release is that of
 * the name whose holder refused the last attempt, or, before any refusal is known, of any name. A
 * change of the refusing name costs one attempt woken by the previous one's release, which is
 * when the refusal moves on anyway.
 */
final class MultiReleaseWatch implements ReleaseWatch {
    private final List<String> names;
    private final List<ReleaseWatch> watches;
    /** The index of the name that refused last, or -1 when none is known. */
    private volatile int blockedBy = -1;
    // Guarded by this: the release of any name, the same future until it completes, so that a
    // waiting acquisition adds no dependents to the names' futures at every wait.
    private CompletableFuture<Void> anyRelease;

    MultiReleaseWatch(List<String> names, List<ReleaseWatch> watches) {
        this.names = names;
        this.watches = watches;
    }

    /** The name that refused the last attempt (null or unknown: any name's release wakes). */
    void blockedBy(String name) {
        blockedBy = name == null ? -1 : names.indexOf(name);
    }

    @Override
    public CompletableFuture<Void> nextRelease() {
        int index = blockedBy;
        if (index >= 0) {
            return watches.get(index).nextRelease();
        }
        synchronized (this) {
            if (anyRelease == null || anyRelease.isDone()) {
                anyRelease = CompletableFuture.anyOf(watches.stream().map(ReleaseWatch::nextRelease)
                        .toArray(CompletableFuture[]::new)).thenApply(any -> null);
            }
            return anyRelease;
        }
    }

    @Override
    public void close() {
        watches.forEach(watch -> LockEngine.bestEffort(watch::close));
    }
}
