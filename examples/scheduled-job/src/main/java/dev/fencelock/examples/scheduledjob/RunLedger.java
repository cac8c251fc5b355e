package dev.fencelock.examples.scheduledjob;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * What the job did, tick by tick, as a Redis list that anyone can read: one entry per run started
 * and per run finished, {@code "<tick> <instance> <fencing token> <event>"}. How the proof (and a
 * curious user) counts that every tick ran exactly once across the instances.
 */
final class RunLedger implements AutoCloseable {
    static final String KEY = "example:runs";

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    RunLedger(String uri) {
        this.client = RedisClient.create(uri);
        this.connection = client.connect();
    }

    void record(long tick, String instance, long token, String event) {
        connection.sync().rpush(KEY, tick + " " + instance + " " + token + " " + event);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
