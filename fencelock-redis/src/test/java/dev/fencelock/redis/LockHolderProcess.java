package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import java.time.Duration;

/**
 * A child-JVM lock holder for tests about processes: prints {@code WAITING}, acquires a lock with a
 * renewing lease, prints {@code ACQUIRED <token>}, then holds it until killed, printing {@code LOST <reason>}
 * if the lease is lost.
 *
 * <p>Arguments: redis URI, lock name, lease in milliseconds, and optionally the kind of lock:
 * {@code plain} (the default), {@code fair}, {@code read} or {@code write}.
 */
public final class LockHolderProcess {
    private LockHolderProcess() {}

    public static void main(String[] args) throws InterruptedException {
        LockClient client = RedisLocks.connect(RedisLockOptions.builder(args[0])
                .commandTimeout(Duration.ofMillis(100))
                .build());
        DistributedLock lock = lockOf(client, args[1], args.length > 3 ? args[3] : "plain");
        System.out.println("WAITING");
        Lease lease = lock.acquire(Duration.ofSeconds(30),
                LeaseOptions.renewing(Duration.ofMillis(Long.parseLong(args[2]))));
        lease.onLost(lost -> System.out.println("LOST " + lost.reason()));
        System.out.println("ACQUIRED " + lease.fencingToken());
        Thread.sleep(Long.MAX_VALUE);
    }

    private static DistributedLock lockOf(LockClient client, String name, String kind) {
        return switch (kind) {
            case "plain" -> client.lock(name);
            case "fair" -> client.fairLock(name);
            case "read" -> client.readWriteLock(name).readLock();
            case "write" -> client.readWriteLock(name).writeLock();
            default -> throw new IllegalArgumentException("kind must be plain, fair, read or write, was " + kind);
        };
    }
}
