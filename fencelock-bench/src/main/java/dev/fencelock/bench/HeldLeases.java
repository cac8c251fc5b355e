package dev.fencelock.bench;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/**
 * Scenario 5: many leases held under the watchdog. Counts the Redis commands the renewals cost
 * per second, and the client heap each held lease takes, at two numbers of leases, so that one
 * sees how the renewal cost grows with them.
 *
 * <p>The count is a count, not a timing: the window starts right after the last acquisition and
 * lasts a whole number of renewal intervals (a third of the lease), so it holds the same number
 * of renewal cycles whatever the phase. One window per system and number of leases.
 */
final class HeldLeases {
    private final Settings settings;
    private final RedisServer redis;

    HeldLeases(Settings settings, RedisServer redis) {
        this.settings = settings;
        this.redis = redis;
    }

    List<Result> measure(List<String> systems) throws Exception {
        List<Result> results = new ArrayList<>();
        List<Settings.LeaseStep> steps = settings.leaseSteps();
        for (int step = 0; step < steps.size(); step++) {
            // A B, then B A: neither always goes first.
            List<String> order = new ArrayList<>(systems);
            if (step % 2 == 1) {
                Collections.reverse(order);
            }
            for (String system : order) {
                results.add(switch (system) {
                    case "fencelock" -> fencelock(steps.get(step));
                    case "redisson" -> redisson(steps.get(step));
                    default -> throw new IllegalArgumentException("scenario 5 has no system " + system);
                });
            }
        }
        // Printed by number of leases, then in the order of the systems given.
        results.sort(Comparator.comparingDouble((Result r) -> r.get("leases"))
                .thenComparingInt(r -> systems.indexOf(r.system())));
        return results;
    }

    private Result fencelock(Settings.LeaseStep step) throws Exception {
        Duration lease = settings.renewLease();
        Duration commandTimeout = lease.dividedBy(4).compareTo(Duration.ofSeconds(2)) < 0 ? lease.dividedBy(4) : Duration.ofSeconds(2);
        try (LockClient client = RedisLocks.connect(RedisLockOptions.builder(redis.uri())
                .defaultLease(lease).commandTimeout(commandTimeout).build())) {
            List<Lease> held = new ArrayList<>(step.leases());
            return window("fencelock", step, () -> {
                for (int i = 0; i < step.leases(); i++) {
                    held.add(client.lock("lease:" + i).acquire(Duration.ZERO, LeaseOptions.renewing(lease)));
                }
            }, () -> held.forEach(Lease::close));
        }
    }

    private Result redisson(Settings.LeaseStep step) throws Exception {
        RedissonClient client = Systems.redissonClient(redis.uri(), settings.renewLease());
        try {
            List<RLock> held = new ArrayList<>(step.leases());
            return window("redisson", step, () -> {
                for (int i = 0; i < step.leases(); i++) {
                    RLock lock = client.getLock("lease:" + i);
                    lock.lock(); // no lease time: the watchdog renews it, as users run it
                    held.add(lock);
                }
            }, () -> held.forEach(RLock::unlock));
        } finally {
            client.shutdown();
        }
    }

    private Result window(String system, Settings.LeaseStep step, Runnable acquireAll, Runnable releaseAll)
            throws InterruptedException {
        long before = usedHeap();
        acquireAll.run();
        long after = usedHeap();
        Duration interval = settings.renewLease().dividedBy(3);
        long intervals = Math.max(1, step.window().toNanos() / interval.toNanos());
        redis.resetStats();
        long start = System.nanoTime();
        Thread.sleep(interval.multipliedBy(intervals).toMillis());
        ClientCommands commands = ClientCommands.of(redis);
        double seconds = (System.nanoTime() - start) / 1e9;
        releaseAll.run();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("leases", step.leases());
        fields.put("window_s", Math.round(seconds));
        fields.put("renewal_commands_per_s", commands.scriptCalls() / seconds);
        fields.put("renewal_server_us_per_s", commands.scriptMicros() / seconds);
        fields.put("heap_bytes_per_lease", (after - before) / (double) step.leases());
        fields.put("client_commands", commands.breakdown());
        return new Result(5, system, fields);
    }

    /** The heap in use after full collections: what the live objects take. */
    private static long usedHeap() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
