package dev.fencelock.redis;

import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child-JVM worker for the semaphore test: two threads that each, many times, take a permit, enter
 * the resource with the permit's fencing token, stay a moment, and leave. The resource (a Redis
 * sorted set, beside the locks) counts who is inside in one script, so that it, not the workers,
 * sees how many hold at once: it records the most, and every entry with a token seen before.
 * Unguarded, the workers enter without a permit, with tokens of their own: the resource then does
 * see more than the count, so the test can fail. Prints {@code READY} once connected, starts at a
 * line on stdin, prints {@code DONE} when finished.
 *
 * <p>Arguments: redis URI, semaphore name, permits, resource key prefix, rounds per thread,
 * {@code guarded} or {@code unguarded}.
 */
public final class SemaphoreWorkerProcess {
    /** KEYS: inside, most, seen tokens, reused tokens. ARGV: token. Returns how many are inside now. */
    private static final String ENTER = """
            redis.call('ZADD', KEYS[1], 0, ARGV[1])
            local inside = redis.call('ZCARD', KEYS[1])
            if inside > (tonumber(redis.call('GET', KEYS[2])) or 0) then
              redis.call('SET', KEYS[2], inside)
            end
            if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then
              redis.call('INCR', KEYS[4])
            end
            return inside
            """;
    private static final int THREADS = 2;

    private SemaphoreWorkerProcess() {}

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        int permits = Integer.parseInt(args[2]);
        String resource = args[3];
        int rounds = Integer.parseInt(args[4]);
        boolean guarded = args[5].equals("guarded");
        String[] keys = {resource + ":inside", resource + ":most", resource + ":seen", resource + ":reused"};
        RedisClient redis = RedisClient.create(uri);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        AtomicLong unguardedTokens = new AtomicLong(ProcessHandle.current().pid() * 1_000_000L);
        try (LockClient locks = RedisLocks.connect(uri);
                StatefulRedisConnection<String, String> connection = redis.connect()) {
            DistributedSemaphore semaphore = locks.semaphore(args[1], permits);
            System.out.println("READY");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        Lease lease = guarded ? semaphore.acquire(Duration.ofSeconds(60)) : null;
                        String token = Long.toString(guarded ? lease.fencingToken() : unguardedTokens.incrementAndGet());
                        try {
                            connection.sync().<Long>eval(ENTER, ScriptOutputType.INTEGER, keys, token);
                            Thread.sleep(2);
                            connection.sync().zrem(keys[0], token);
                        } finally {
                            if (lease != null) {
                                lease.close();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> each : done) {
                each.get();
            }
        } finally {
            threads.shutdownNow();
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        System.out.println("DONE");
    }
}
