package dev.fencelock.redis;

import dev.fencelock.DistributedLock;
import dev.fencelock.DistributedSemaphore;
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
 * {@code plain} (the default), {@code fair}, {@code read}, {@code write}, or {@code permit-<n>}: a
 * permit of the semaphore of {@code n} permits of that name.
 */
public final class LockHolderProcess {
    private LockHolderProcess() {}

    public static void main(String[] args) throws InterruptedException {
        Duration leaseTime = Duration.ofMillis(Long.parseLong(args[2]));
        // A quarter of the lease (a renewing lease must outlast three): as long as the lease allows, so
        // that a slow first command of a JVM started on a loaded machine does not end the process.
        LockClient client = RedisLocks.connect(RedisLockOptions.builder(args[0])
                .commandTimeout(leaseTime.dividedBy(4))
                .build());
        String kind = args.length > 3 ? args[3] : "plain";
        LeaseOptions options = LeaseOptions.renewing(leaseTime);
        Lease lease;
        if (kind.startsWith("permit-")) {
            DistributedSemaphore semaphore = client.semaphore(args[1], Integer.parseInt(kind.substring("permit-".length())));
            System.out.println("WAITING");
            lease = semaphore.acquire(Duration.ofSeconds(30), options);
        } else {
            DistributedLock lock = lockOf(client, args[1], kind);
            System.out.println("WAITING");
            lease = lock.acquire(Duration.ofSeconds(30), options);
        }
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
            default -> throw new IllegalArgumentException("kind must be plain, fair, read, write or permit-<n>, was " + kind);
        };
    }
}
