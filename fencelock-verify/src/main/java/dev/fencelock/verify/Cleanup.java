package dev.fencelock.verify;

import java.util.function.Consumer;

/**
 * Runs a cleanup step on every item even when some fail — a server that does not die must not
 * leave the next one running, nor a namespace behind — and then throws the first failure, with
 * the others suppressed.
 */
final class Cleanup {
    private Cleanup() {}

    static <T> void each(Iterable<? extends T> items, Consumer<? super T> step) {
        RuntimeException first = null;
        for (T item : items) {
            try {
                step.accept(item);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
