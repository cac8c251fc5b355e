package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;
import dev.fencelock.Lease;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisStringCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A worker of the multi-lock load test, in a child JVM or on a thread of the test: takes a
 * multi-lock over its names again and again (the names in the order given, or reversed on every
 * other round), and under it increments each name's Redis counter by read, pause, write — a
 * deliberately non-atomic update that loses increments when two holders of a name overlap. Every
 * acquisition waits at most {@link #MAX_WAIT}: a deadlock fails it.
 *
 * <p>As a process: prints {@code READY} once connected, starts when a line arrives on stdin, and
 * prints {@code DONE} when finished. Arguments: redis URI, rounds, then the names.
 */
public final class MultiLockWorkerProcess {
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private MultiLockWorkerProcess() {}

    public static void main(String[] args) throws IOException {
        String uri = args[0];
        int rounds = Integer.parseInt(args[1]);
        List<String> names = List.of(args).subList(2, args.length);
        RedisClient redis = RedisClient.create(uri);
        try (LockClient locks = RedisLocks.connect(uri);
                StatefulRedisConnection<String, String> connection = redis.connect()) {
            System.out.println("READY");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            run(locks, connection.sync(), names, rounds);
        } finally {
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        System.out.println("DONE");
    }

    /** The worker's rounds; {@code commands} reach the counters. */
    static void run(LockClient locks, RedisStringCommands<String, String> commands, List<String> names, int rounds) {
        DistributedLock forward = locks.multiLock(names.toArray(String[]::new));
        List<String> reversed = new ArrayList<>(names);
        Collections.reverse(reversed);
        DistributedLock backward = locks.multiLock(reversed.toArray(String[]::new));
        for (int round = 0; round < rounds; round++) {
            try (Lease lease = (round % 2 == 0 ? forward : backward).acquire(MAX_WAIT)) {
                for (String name : names) {
                    String counter = counterOf(name);
                    String value = commands.get(counter);
                    Thread.yield();
                    commands.set(counter, Long.toString(value == null ? 1 : Long.parseLong(value) + 1));
                }
                lease.checkValid();
            }
        }
    }

    static String counterOf(String name) {
        return "test:count:" + name;
    }
}
