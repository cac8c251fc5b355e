package dev.fencelock.verify;

/**
 * A Redis server that faults can hit: killed with SIGKILL and restarted on the same port and
 * directory (keeping its append-only file, if it has one), frozen with SIGSTOP and thawed.
 * Either a test-kit server ({@link KitRedis}) or one the harness launches itself under a clock or
 * in a network namespace ({@link LaunchedRedis}). Not thread-safe: the nemesis drives it.
 */
interface FaultableRedis extends AutoCloseable {

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

    /** The server's clock ({@code TIME}) in microseconds: what fencing tokens are seeded from. */
    long serverTimeMicros();

    /** Stops it and removes its directory. */
    @Override
    void close();
}
