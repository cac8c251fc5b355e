package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.Lease;
import dev.fencelock.LockAdmin;
import dev.fencelock.LockClient;
import dev.fencelock.LockInfo;
import dev.fencelock.LockLostException;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.junit.jupiter.api.Test;

/** Operators see who holds what on ZooKeeper, Curator's holders too, and break glass. */
class LockAdminIT extends ZooKeeperIT {

    @Test
    void inspectShowsTheHolderAndItsTokenTheZxidOfItsNode() {
        LockClient client = connect();
        LockAdmin admin = client.admin();
        assertThat(admin.inspect("report").isHeld()).isFalse();

        try (Lease lease = client.lock("report").acquire(Duration.ZERO)) {
            LockInfo info = admin.inspect("report");
            assertThat(info.holder()).hasValueSatisfying(holder -> assertThat(holder).matches("[0-9a-f]{8}"));
            assertThat(info.lastFencingToken()).hasValue(lease.fencingToken());
            assertThat(info.remaining()).as("a node lives as long as its session").isEmpty();
            assertThat(info.readers()).isZero();
        }
        assertThat(admin.inspect("report").isHeld()).isFalse();
    }

    @Test
    void inspectCountsReadersAndListFindsHeldLocksByPattern() throws Exception {
        LockClient client = connect();
        InterProcessMutex curator = new InterProcessMutex(zooKeeper.curator(), LockPaths.lockPath(root, "jobs:curator"));
        curator.acquire();
        try (Lease read1 = client.readWriteLock("jobs:shared").readLock().acquire(Duration.ZERO);
                Lease read2 = connect().readWriteLock("jobs:shared").readLock().acquire(Duration.ZERO);
                Lease other = client.lock("other/with/slashes").acquire(Duration.ZERO)) {
            LockInfo shared = client.admin().inspect("jobs:shared");
            assertThat(shared.readers()).isEqualTo(2);
            assertThat(shared.holder()).isEmpty();
            assertThat(shared.lastFencingToken()).hasValue(Math.max(read1.fencingToken(), read2.fencingToken()));

            assertThat(client.admin().list("jobs:*", 10)).extracting(LockInfo::name)
                    .containsExactlyInAnyOrder("jobs:shared", "jobs:curator");
            assertThat(client.admin().list("*", 10)).extracting(LockInfo::name).contains("other/with/slashes");
            assertThat(client.admin().list("*", 1)).hasSize(1);
        } finally {
            curator.release();
        }
    }

    @Test
    void aReleaseNamingAHolderDeletesTheLockOnlyWhileThatHolderHoldsIt() throws Exception {
        LockClient client = connect();
        LockAdmin admin = connect().admin();
        Lease first = client.lock("guarded").acquire(Duration.ZERO);
        String seen = admin.inspect("guarded").holder().orElseThrow();
        first.close();

        // Another holder took the lock after the operator looked: its node is left alone.
        try (Lease second = client.lock("guarded").acquire(Duration.ZERO)) {
            assertThat(admin.forceRelease("guarded", seen)).as("a release naming the holder seen before").isEmpty();
            assertThat(second.isValid()).isTrue();

            String now = admin.inspect("guarded").holder().orElseThrow();
            assertThat(admin.forceRelease("guarded", now)).hasValueSatisfying(info -> assertThat(info.holder()).hasValue(now));
            assertThat(second.lost().toCompletableFuture().get(30, TimeUnit.SECONDS).reason())
                    .isEqualTo(LockLostException.Reason.KEY_GONE);
        }
        assertThat(admin.inspect("guarded").isHeld()).isFalse();

        // Curator's node holds its host's address, alike for its holders there: it cannot be named.
        InterProcessMutex curator = new InterProcessMutex(zooKeeper.curator(), LockPaths.lockPath(root, "curator"));
        curator.acquire();
        try {
            String shown = admin.inspect("curator").holder().orElseThrow();
            assertThatThrownBy(() -> admin.forceRelease("curator", shown)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("without naming a holder");
        } finally {
            curator.release();
        }
    }

    @Test
    void forceReleaseDeletesTheHolderWhoseLeaseIsLostAndWakesTheWaiter() throws Exception {
        LockClient holder = connect();
        Lease lease = holder.lock("stuck").acquire(Duration.ZERO);
        // Tries again on its own after its 60 s session timeout: only the delete's watch wakes it within 10 s.
        LockEngine waiter = connect(options -> options.sessionTimeout(Duration.ofSeconds(60)));
        CompletableFuture<Lease> waiting = waiter.lock("stuck").acquireAsync(Duration.ofSeconds(30));
        Poll.until("the waiter's node queued", Duration.ofSeconds(10), () -> TestZooKeeper.waitingNodes(waiter) == 1);

        assertThat(connect().admin().forceRelease("stuck")).hasValueSatisfying(info -> assertThat(info.lastFencingToken())
                .hasValue(lease.fencingToken()));

        try (Lease next = waiting.get(10, TimeUnit.SECONDS)) {
            assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
        }
        assertThat(lease.lost().toCompletableFuture().get(30, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.KEY_GONE);
        lease.close();
        assertThat(connect().admin().forceRelease("stuck")).as("nothing left to release").isEmpty();
    }
}
