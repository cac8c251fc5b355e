package dev.fencelock.spi;

import java.util.concurrent.CompletableFuture;

/**
 * What a lease that ends hands to the next acquisition of the same name in its client, so that
 * waiting goes on where the winner left it: the watch of the lock's releases that the winner had
 * when it won; and, when its release woke another client and queued this one
 * behind it, the release to wait for before trying. Taken by at most one acquisition, or
 * discarded when none takes it.
 *
 * @param watch        the watch of the lock's releases
 * @param nextRelease  the release after the one that queued this client, taken before that one was
 *                     sent so that no wake is missed; null when the next acquisition may try at once
 * @param leaveQueue   takes this client off the waiter queue if nobody takes the handover; null
 *                     when the release did not ask to queue this client
 */
record Handover(ReleaseWatch watch, CompletableFuture<Void> nextRelease, Runnable leaveQueue) {

    /** The watch alone: the next acquisition tries at once. */
    static Handover watching(ReleaseWatch watch) {
        return new Handover(watch, null, null);
    }

    /** Whether the next acquisition waits for {@link #nextRelease} instead of trying at once. */
    boolean isQueued() {
        return nextRelease != null;
    }

    /** Gives up what nobody took: stops watching, and leaves the queue the release may have joined. */
    void discard() {
        watch.close();
        if (leaveQueue != null) {
            leaveQueue.run();
        }
    }
}
