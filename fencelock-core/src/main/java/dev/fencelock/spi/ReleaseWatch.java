package dev.fencelock.spi;

import java.util.concurrent.CompletableFuture;

/**
 * One acquisition's interest in the releases of a lock name ({@link LockStore#watch}). Messages
 * may be missed (a reconnect, a foreign client that announces nothing): the engine never relies on
 * them alone, it also tries again when the {@link Attempt.Refused#retryAfter()} runs out.
 */
public interface ReleaseWatch extends AutoCloseable {

    /**
     * Completes at the next release announced for the name (a store may delay a release that woke
     * another client by its {@linkplain LockStore#designationTimeout designation timeout}). The same
     * future until it completes: take it before trying to acquire, so that no release is missed.
     */
    CompletableFuture<Void> nextRelease();

    /** Stops watching; further calls do nothing. */
    @Override
    void close();
}
