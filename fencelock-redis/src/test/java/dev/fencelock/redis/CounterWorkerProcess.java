package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A child-JVM worker for the mutual-exclusion test: increments a Redis counter by read, pause,
 * write — a deliberately non-atomic update — under the lock, or without it when told to.
 * Prints {@code READY} once connected and starts when a line arrives on stdin, so that the workers
 * of a test run at the same time however slowly their JVMs start; prints {@code DONE} when finished.
 *
 * <p>Arguments: redis URI, lock name, counter key, increments, {@code locked} or {@code unlocked}.
 */
public final class CounterWorkerProcess {
    private CounterWorkerProcess() {}

    public static void main(String[] args) throws InterruptedException, IOException {
        String uri = args[0];
        int increments = Integer.parseInt(args[3]);
        boolean locked = args[4].equals("locked");
        RedisClient redis = RedisClient.create(uri);
        try (LockClient locks = RedisLocks.connect(uri);
                StatefulRedisConnection<String, String> connection = redis.connect()) {
            RedisCommands<String, String> commands = connection.sync();
            DistributedLock lock = locks.lock(args[1]);
            System.out.println("READY");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            for (int i = 0; i < increments; i++) {
                if (locked) {
                    lock.lock();
                }
                try {
                    String value = commands.get(args[2]);
                    Thread.sleep(1);
                    commands.set(args[2], Long.toString(value == null ? 1 : Long.parseLong(value) + 1));
                } finally {
                    if (locked) {
                        lock.unlock();
                    }
                }
            }
        } finally {
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        System.out.println("DONE");
    }
}
