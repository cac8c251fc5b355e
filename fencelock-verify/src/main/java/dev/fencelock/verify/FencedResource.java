package dev.fencelock.verify;

import java.util.List;

/**
 * The shared thing the clients update under the lock: a counter that a holder reads and then
 * writes as the value read plus one — a deliberately non-atomic read-modify-write, so that two
 * holders who both believe they hold the lock lose an update — and a log of every accepted write.
 *
 * <p>With fencing, the resource remembers the newest fencing token it has seen: a {@link #claim}
 * (the read) raises it, and a claim or a {@link #write} that carries an older token is rejected.
 * Readers of a read-write lock {@link #read} it: a writer with a newer token makes a reader stale,
 * a reader with a newer token makes a writer stale, and readers never make each other stale.
 * Without fencing (the control run) claims and writes always succeed. The checker then reads the {@link #audit}
 * and the histories. Each implementation is used by one thread.
 */
interface FencedResource extends AutoCloseable {

    /** {@code redis} or {@code postgresql}. */
    String name();

    /**
     * Reads the counter for a holder, raising the fence to its token.
     *
     * @param writer the holder as {@code client/lease}, kept in the log
     * @throws RuntimeException if the resource did not answer: the outcome is unknown
     */
    Claim claim(long token, String writer);

    /**
     * Reads the counter for a reader of a read-write lock, which shares the lock with other readers:
     * refused when a writer with a newer token has claimed the counter; otherwise the reader's token
     * makes every older writer stale, as a claim does. Always checks tokens.
     *
     * @param reader the reader as {@code client/lease}
     * @throws RuntimeException if the resource did not answer: the outcome is unknown
     */
    Claim read(long token, String reader);

    /**
     * Writes the counter and logs the write, unless a newer token was seen since the claim.
     *
     * @throws RuntimeException if the resource did not answer: the outcome is unknown
     */
    Write write(long token, long value, String writer);

    /** Every accepted write in the order the resource applied them, and the counter's value now. */
    Audit audit();

    @Override
    void close();

    /**
     * @param accepted whether the claim was accepted
     * @param value the counter's value, when accepted
     * @param storedFence the newer token that made the resource reject the claim, when rejected
     */
    record Claim(boolean accepted, long value, long storedFence) {}

    /**
     * @param accepted whether the write was applied
     * @param storedFence the newer token that made the resource reject the write, when rejected
     */
    record Write(boolean accepted, long storedFence) {}

    /** One accepted write: the writer's token, the value it wrote, and the writer ({@code c3/17}). */
    record Entry(long token, long value, String writer) {}

    /**
     * What the resource holds after a run.
     *
     * @param resource its name
     * @param fenced whether it checked tokens (false for the control run)
     * @param log the accepted writes, in the order applied
     * @param value the counter's value
     */
    record Audit(String resource, boolean fenced, List<Entry> log, long value) {}
}
