package dev.fencelock.spi;

/**
 * The one clock that the engine's lease arithmetic reads: monotonic nanoseconds, never the wall
 * clock. A seam so that lease deadlines can be tested without sleeping.
 */
@FunctionalInterface
interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanoTime();
}
