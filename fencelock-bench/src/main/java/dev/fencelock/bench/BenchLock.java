package dev.fencelock.bench;

/** What a benchmark does with a lock of any system: take it and give it back. */
interface BenchLock {
    void lock() throws Exception;

    void unlock() throws Exception;
}
