package dev.fencelock.verify;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one client process is told on its command line, as {@code key=value} arguments: written by
 * the harness with {@link #toArgs()}, read by {@link VerifyClient} with {@link #parse}.
 *
 * @param id the client's number, from 1
 * @param lock which lock the client takes
 * @param lockUris one URI (a server, or a {@code redis-sentinel://} group), or several (Redlock)
 * @param redisResource the URI of the Redis that keeps the counter
 * @param postgresUrl the JDBC URL of the PostgreSQL that keeps a second counter, or empty
 * @param postgresTable that counter's table
 * @param fenced whether the resources check fencing tokens (false only in the control run)
 * @param recordsLostSignals whether the client writes the lost signals it is told to its history
 *     (false only in the control run, whose checker must then find them missed)
 * @param history the client's history file
 * @param seed the seed of the client's random hold times
 * @param lease the lease of each acquisition, renewed by the watchdog
 * @param holdMin the shortest time between claim and write
 * @param holdMax the longest, in most rounds
 * @param longHoldPercent in how many rounds of a hundred the holder works longer, renewed by the watchdog
 * @param longHoldMin the shortest of those longer holds
 * @param longHoldMax the longest
 * @param acquireWait how long one acquisition may wait for the lock
 * @param commandTimeout the lock client's command timeout
 * @param redlockNodeTimeout the lock client's per-master timeout under Redlock
 */
record ClientConfig(int id, LockUnderTest lock, List<String> lockUris, String redisResource, String postgresUrl, String postgresTable,
        boolean fenced, boolean recordsLostSignals, Path history, long seed, Duration lease, Duration holdMin, Duration holdMax,
        int longHoldPercent, Duration longHoldMin, Duration longHoldMax, Duration acquireWait, Duration commandTimeout, Duration redlockNodeTimeout) {

    ClientConfig {
        lockUris = List.copyOf(lockUris);
    }

    /** {@code c3}: the client as it appears in histories. */
    String process() {
        return "c" + id;
    }

    boolean hasPostgres() {
        return !postgresUrl.isEmpty();
    }

    String[] toArgs() {
        List<String> args = new ArrayList<>();
        args.add("id=" + id);
        args.add("kind=" + lock.id());
        // Spaces separate the URIs: a redis-sentinel:// URI has commas of its own.
        args.add("lock=" + String.join(" ", lockUris));
        args.add("redis=" + redisResource);
        args.add("postgresql=" + postgresUrl);
        args.add("table=" + postgresTable);
        args.add("fenced=" + fenced);
        args.add("recordsLostSignals=" + recordsLostSignals);
        args.add("history=" + history);
        args.add("seed=" + seed);
        args.add("lease=" + lease.toMillis());
        args.add("holdMin=" + holdMin.toMillis());
        args.add("holdMax=" + holdMax.toMillis());
        args.add("longHoldPercent=" + longHoldPercent);
        args.add("longHoldMin=" + longHoldMin.toMillis());
        args.add("longHoldMax=" + longHoldMax.toMillis());
        args.add("wait=" + acquireWait.toMillis());
        args.add("commandTimeout=" + commandTimeout.toMillis());
        args.add("nodeTimeout=" + redlockNodeTimeout.toMillis());
        return args.toArray(String[]::new);
    }

    static ClientConfig parse(String... args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("client arguments are key=value, got " + arg);
            }
            values.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return new ClientConfig(
                Integer.parseInt(required(values, "id")),
                LockUnderTest.byId(required(values, "kind")),
                Arrays.asList(required(values, "lock").split(" ")),
                required(values, "redis"),
                required(values, "postgresql"),
                required(values, "table"),
                Boolean.parseBoolean(required(values, "fenced")),
                Boolean.parseBoolean(required(values, "recordsLostSignals")),
                Path.of(required(values, "history")),
                Long.parseLong(required(values, "seed")),
                millis(values, "lease"),
                millis(values, "holdMin"),
                millis(values, "holdMax"),
                Integer.parseInt(required(values, "longHoldPercent")),
                millis(values, "longHoldMin"),
                millis(values, "longHoldMax"),
                millis(values, "wait"),
                millis(values, "commandTimeout"),
                millis(values, "nodeTimeout"));
    }

    private static Duration millis(Map<String, String> values, String key) {
        return Duration.ofMillis(Long.parseLong(required(values, key)));
    }

    private static String required(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing client argument " + key + "=…");
        }
        return value;
    }
}
