package dev.fencelock;

/**
 * The one clock that lease arithmetic reads: monotonic nanoseconds, never the wall clock. A seam so
 * that lease deadlines can be tested without sleeping.
 */
@FunctionalInterface
interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanoTime();
}
