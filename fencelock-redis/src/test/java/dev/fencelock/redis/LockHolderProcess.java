package dev.fencelock.redis;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import java.time.Duration;

/**
 * A child-JVM lock holder for tests about processes: acquires a lock with a renewing lease,
 * prints {@code ACQUIRED <token>}, then holds it until killed, printing {@code LOST <reason>}
 * if the lease is lost.
 *
 * <p>Arguments: redis URI, lock name, lease in milliseconds.
 */
public final class LockHolderProcess {
    private LockHolderProcess() {}

    public static void main(String[] args) throws InterruptedException {
        LockClient client = RedisLocks.connect(RedisLockOptions.builder(args[0])
                .commandTimeout(Duration.ofMillis(100))
                .build());
        Lease lease = client.lock(args[1]).acquire(Duration.ofSeconds(30),
                LeaseOptions.renewing(Duration.ofMillis(Long.parseLong(args[2]))));
        lease.onLost(lost -> System.out.println("LOST " + lost.reason()));
        System.out.println("ACQUIRED " + lease.fencingToken());
        Thread.sleep(Long.MAX_VALUE);
    }
}
