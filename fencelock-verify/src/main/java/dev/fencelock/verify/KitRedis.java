package dev.fencelock.verify;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;

/** A {@link FaultableRedis} that is a test-kit {@link RedisServer} on 127.0.0.1. */
final class KitRedis implements FaultableRedis {
    private final String name;
    private final RedisServer server;
    private final boolean appendOnly;

    private KitRedis(String name, RedisServer server, boolean appendOnly) {
        this.name = name;
        this.server = server;
        this.appendOnly = appendOnly;
    }

    /** Starts a server, with an append-only file ({@code appendfsync always}) or without persistence. */
    static KitRedis start(String name, boolean appendOnly, String... args) {
        return new KitRedis(name, RedisServer.builder().appendOnly(appendOnly).args(args).start(), appendOnly);
    }

    /** The test-kit server, for what only the kit offers ({@link RedisServer#call}). */
    RedisServer server() {
        return server;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String uri() {
        return server.uri();
    }

    @Override
    public String host() {
        return server.host();
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public boolean isAppendOnly() {
        return appendOnly;
    }

    @Override
    public void kill() {
        server.kill();
    }

    @Override
    public void restart() {
        server.restart();
    }

    @Override
    public void pause() {
        server.pause();
    }

    @Override
    public void resume() {
        server.resume();
    }

    @Override
    public String get(String key) {
        return (String) server.call("GET", key);
    }

    @Override
    public boolean setIfAbsent(String key, String value, Duration ttl) {
        return "OK".equals(server.call("SET", key, value, "NX", "PX", Long.toString(ttl.toMillis())));
    }

    @Override
    public boolean deleteIfEquals(String key, String value) {
        return Long.valueOf(1).equals(server.call("EVAL", DELETE_IF_EQUALS, "1", key, value));
    }

    @Override
    public long serverTimeMicros() {
        List<?> time = (List<?>) server.call("TIME");
        return Long.parseLong((String) time.get(0)) * 1_000_000 + Long.parseLong((String) time.get(1));
    }

    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return name + " (" + server + (appendOnly ? ", append-only" : ", no persistence") + ")";
    }
}
