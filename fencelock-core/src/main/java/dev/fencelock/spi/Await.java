package dev.fencelock.spi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Waits for a store call's outcome on a caller thread, bounded: the store's client enforces its
 * call timeout itself, and the bound here guards against a future that is never completed. Not
 * interruptible, since the wait is short and bounded; an interrupt is re-asserted afterwards.
 */
public final class Await {
    private Await() {}

    /**
     * The value of {@code future}, waiting at most {@code bound}.
     *
     * @throws RuntimeException the future's own failure when it is one; else {@code unavailable}
     *     applied to the failure or to the timeout
     */
    public static <T> T bounded(CompletableFuture<T> future, Duration bound, Function<Throwable, RuntimeException> unavailable) {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = unwrap(e);
                    throw cause instanceof RuntimeException runtime ? runtime : unavailable.apply(cause);
                } catch (TimeoutException e) {
                    future.cancel(false);
                    throw unavailable.apply(e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The cause inside the {@link CompletionException}s and {@link ExecutionException}s around it. */
    public static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
