package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A wait that ends without the lock takes its watch out of ZooKeeper's client. The client holds a
 * watcher for a node until the node changes: left there, every abandoned wait of a client that
 * polls a lock held for hours would stay in memory, one watcher per try, and all of them would be
 * called back at the release.
 */
class AbandonedWaitIT extends ZooKeeperIT {
    /** Enough that a leak is told from the one or two watchers of a wait in progress. */
    private static final int TRIES = 100;

    @Test
    void timedOutTriesLeaveNoWatcherInTheClientWhileTheLockStaysHeld() throws Exception {
        Lease holder = connect().lock("polled").acquire(Duration.ZERO);
        LockEngine poller = connect();
        DistributedLock lock = poller.lock("polled");
        // A wait seen to set its watch in the client first: the count below counts real watchers.
        CompletableFuture<Lease> waiting = lock.acquireAsync(Duration.ofSeconds(60));
        Poll.until("the waiter's watch in its client", Duration.ofSeconds(30), () -> TestZooKeeper.dataWatchers(poller) > 0);
        waiting.cancel(false);

        for (int i = 0; i < TRIES; i++) {
            assertThat(lock.tryLock(50, TimeUnit.MILLISECONDS)).as("try %d while another client holds the lock", i).isFalse();
        }

        try {
            Poll.until("no watcher left in the poller's client", Duration.ofSeconds(10),
                    () -> TestZooKeeper.dataWatchers(poller) == 0);
        } catch (AssertionError left) {
            assertThat(TestZooKeeper.dataWatchers(poller))
                    .as("watchers in the poller's client after %d abandoned waits, the lock still held", TRIES + 1)
                    .isZero();
            throw left;
        } finally {
            holder.close();
        }
    }
}
