package dev.fencelock.verify;

import java.time.Duration;

/**
 * A Redis server that faults can hit: killed with SIGKILL and restarted on the same port and
 * directory (keeping its append-only file, if it has one), frozen with SIGSTOP and thawed.
 * Either a test-kit server ({@link KitRedis}) or one the harness launches itself under a clock or
 * in a network namespace ({@link LaunchedRedis}). Not thread-safe: the nemesis drives it.
 */
interface FaultableRedis extends AutoCloseable {
    /**
     * Deletes KEYS[1] if it holds ARGV[1]; returns 1 when deleted, 0 otherwise. One script, because
     * a GET then a DEL could delete a key that expired and was set again by someone else between.
     */
    String DELETE_IF_EQUALS = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    /** A short name for histories and reports: {@code n0}, {@code n1}, … */
    String name();

    /** The URI clients connect to. */
    String uri();

    String host();

    int port();

    /** Whether every write is persisted to an append-only file ({@code appendfsync always}) that survives a kill. */
    boolean isAppendOnly();

    /** SIGKILL, as a crash; waits until the process is gone. */
    void kill();

    /** Starts it again (killing it first if it runs) and waits until it answers. */
    void restart();

    /** SIGSTOP: it keeps its connections and answers nothing. */
    void pause();

    /** SIGCONT. */
    void resume();

    /** {@code GET key}: for the nemesis to see what a restart left of the fence counter. */
    String get(String key);

    /**
     * {@code SET key value NX PX ttl}: for the nemesis that plays a competing client taking the
     * lock on this node. Whether it was set (false: the key exists).
     */
    boolean setIfAbsent(String key, String value, Duration ttl);

    /** Deletes {@code key} if it holds {@code value}, in one step; whether it did. */
    boolean deleteIfEquals(String key, String value);

    /** The server's clock ({@code TIME}) in microseconds: what fencing tokens are seeded from. */
    long serverTimeMicros();

    /** Stops it and removes its directory. */
    @Override
    void close();
}
