package dev.fencelock.verify;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The counter and its log in a Redis server of their own (never hit by a fault): a hash
 * {@code verify:{counter}} and a list {@code verify:{counter}:log}, checked and written by one
 * script each ({@code claim.lua}, {@code write.lua}, and {@code read.lua} for the readers of a
 * read-write lock).
 */
final class RedisCounter implements FencedResource {
    static final String NAME = "redis";
    private static final String COUNTER = "verify:{counter}";
    private static final String LOG = "verify:{counter}:log";
    private static final String CLAIM = resource("claim.lua");
    private static final String WRITE = resource("write.lua");
    private static final String READ = resource("read.lua");

    private final boolean fenced;
    private final RedisClient redis;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> commands;
    private final String claimSha;
    private final String writeSha;
    private final String readSha;

    RedisCounter(String uri, boolean fenced, Duration timeout) {
        this.fenced = fenced;
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(timeout);
        this.redis = RedisClient.create(redisUri);
        try {
            this.connection = redis.connect();
        } catch (RuntimeException e) {
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            throw e;
        }
        this.commands = connection.sync();
        this.claimSha = commands.digest(CLAIM);
        this.writeSha = commands.digest(WRITE);
        this.readSha = commands.digest(READ);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Claim claim(long token, String writer) {
        return claimReply(run(CLAIM, claimSha, new String[] {COUNTER}, Long.toString(token), writer, fenced ? "1" : "0"));
    }

    @Override
    public Claim read(long token, String reader) {
        return claimReply(run(READ, readSha, new String[] {COUNTER}, Long.toString(token), reader));
    }

    private static Claim claimReply(List<Long> reply) {
        return reply.get(0) == 1 ? new Claim(true, reply.get(1), Event.NONE) : new Claim(false, Event.NONE, reply.get(1));
    }

    @Override
    public Write write(long token, long value, String writer) {
        List<Long> reply = run(WRITE, writeSha, new String[] {COUNTER, LOG}, Long.toString(token), Long.toString(value), writer, fenced ? "1" : "0");
        return new Write(reply.get(0) == 1, reply.get(0) == 1 ? Event.NONE : reply.get(1));
    }

    /** The holder that claimed the counter last, as {@code client/lease}, or null before the first claim. */
    String claimer() {
        return commands.hget(COUNTER, "claimer");
    }

    @Override
    public Audit audit() {
        List<Entry> log = new ArrayList<>();
        for (String line : commands.lrange(LOG, 0, -1)) {
            String[] parts = line.split(" ");
            log.add(new Entry(Long.parseLong(parts[0]), Long.parseLong(parts[1]), parts[2]));
        }
        String value = commands.hget(COUNTER, "value");
        return new Audit(NAME, fenced, log, value == null ? 0 : Long.parseLong(value));
    }

    /** Runs a script by its SHA; the first call of each loads it (NOSCRIPT, then EVAL). */
    private List<Long> run(String script, String sha, String[] keys, String... args) {
        try {
            return commands.evalsha(sha, ScriptOutputType.MULTI, keys, args);
        } catch (RedisNoScriptException e) {
            return commands.eval(script, ScriptOutputType.MULTI, keys, args);
        }
    }

    @Override
    public void close() {
        connection.close();
        redis.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }

    private static String resource(String name) {
        try (InputStream in = RedisCounter.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
