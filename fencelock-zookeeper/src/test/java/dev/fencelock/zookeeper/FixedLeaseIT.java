package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockLostException;
import dev.fencelock.ReleaseOutcome;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A lease's own end counts on ZooKeeper too, though a node has no expiry: the holder's client
 * deletes the node of a fixed lease that ran out, and keeps a released one for as long as asked.
 */
class FixedLeaseIT extends ZooKeeperIT {

    @Test
    void aFixedLeaseThatRunsOutFreesTheLockWhileItsHolderLives() throws Exception {
        Lease lease = connect().lock("fixed").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(500)));

        assertThat(lease.lost().toCompletableFuture().get(30, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.EXPIRED);
        try (Lease next = connect().lock("fixed").acquire(Duration.ofSeconds(30))) {
            assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
        }
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    @Test
    void releaseAfterKeepsTheLockTakenForTheTimeAskedThenFreesIt() throws Exception {
        Lease lease = connect().lock("job").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMinutes(1)));
        DistributedLock other = connect().lock("job");

        long releasedAt = System.nanoTime();
        assertThat(lease.releaseAfter(Duration.ofSeconds(2))).isEqualTo(ReleaseOutcome.RELEASED);

        assertThat(other.tryAcquire()).as("kept after the release").isEmpty();
        other.acquire(Duration.ofSeconds(30)).close();
        // Freed by the holder's client when the 2 s are up: not sooner, and long before the 1 min lease.
        assertThat(Duration.ofNanos(System.nanoTime() - releasedAt)).as("kept for").isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }
}
