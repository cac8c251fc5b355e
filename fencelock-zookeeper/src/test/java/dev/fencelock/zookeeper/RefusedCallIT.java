package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockException;
import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A call that ZooKeeper refuses whatever is tried again (here NOAUTH: the root's ACL lets anyone
 * read, nobody create) fails an acquisition at once, naming the code and the path, where an outage
 * is tried again for the outage allowance.
 */
class RefusedCallIT extends ZooKeeperIT {
    /** Far longer than any refusal may take: an acquisition that outlasts a fraction of it retried the refusal. */
    private static final Duration ALLOWANCE = Duration.ofMinutes(2);
    /** A few call timeouts: enough for the refusal, nothing like the allowance. */
    private static final Duration AT_ONCE = Duration.ofSeconds(10);

    @BeforeEach
    void rootThatNobodyMayCreateUnder() throws Exception {
        zooKeeper.curator().create().forPath(root);
        zooKeeper.curator().setACL().withACL(ZooDefs.Ids.READ_ACL_UNSAFE).forPath(root);
    }

    @Test
    void lockFailsAtOnceNamingTheRefusalAndThePathThoughTheAllowanceIsLong() {
        DistributedLock lock = connect(options -> options.outageAllowance(ALLOWANCE)).lock("guarded");

        assertRefusedAtOnce(lock::lock);
    }

    @Test
    void acquireWithALongWaitFailsAtOnceNamingTheRefusalAndThePath() {
        DistributedLock lock = connect(options -> options.outageAllowance(ALLOWANCE)).lock("guarded");

        assertRefusedAtOnce(() -> lock.acquire(ALLOWANCE));
    }

    private void assertRefusedAtOnce(Runnable acquisition) {
        long start = System.nanoTime();
        Throwable failure = catchThrowable(acquisition::run);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(failure).as("a refusal, not an outage").isExactlyInstanceOf(LockException.class)
                .isNotInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("NOAUTH")
                .hasMessageContaining(LockPaths.lockPath(root, "guarded"))
                .hasMessageContaining("which no retry changes");
        assertThat(took).as("failed at once, not after retrying for the outage allowance").isLessThan(AT_ONCE);
    }
}
