package dev.fencelock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Waits for a Redis call's outcome on a caller thread, bounded: Lettuce enforces the command
 * timeout itself, and the bound here guards against a future that is never completed. Not
 * interruptible, since the wait is short and bounded; an interrupt is re-asserted afterwards.
 */
final class Await {
    private Await() {}

    static <T> T bounded(CompletableFuture<T> future, Duration bound, Function<Throwable, RuntimeException> unavailable) {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = RedisNode.unwrap(e);
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
}
