package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.LeakCheck;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Locks on a three-master Redis Cluster, with names spread over all masters' slots. */
class ClusterIT {
    private static RedisCluster cluster;
    private final List<LockEngine> clients = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start(3);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @AfterEach
    void nothingLeaked() {
        try {
            for (LockEngine client : clients) {
                LeakCheck.awaitSettled(client, TestClients::channels);
                assertThat(client.leasesWatched()).isZero();
                assertThat(client.namesInUse()).isZero();
            }
            for (RedisServer master : cluster.masters()) {
                assertThat(TestClients.settledLockKeys(master)).as("lock keys left on %s", master).isEmpty();
            }
        } finally {
            clients.forEach(LockEngine::close);
        }
    }

    private LockEngine connect() {
        LockEngine client = (LockEngine) RedisLocks.connect(RedisLockOptions.cluster(cluster.seedUris())
                .commandTimeout(Duration.ofMillis(500))
                .build());
        clients.add(client);
        return client;
    }

    @Test
    void locksOnNamesSpreadOverEverySlotRangeAreExclusiveAndFenced() {
        LockClient first = connect();
        LockClient second = connect();
        Set<Integer> mastersUsed = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            String name = "order:" + i;
            mastersUsed.add(SlotHash.getSlot("fencelock:{" + name + "}") * 3 / SlotHash.SLOT_COUNT);
            long token;
            try (Lease lease = first.lock(name).acquire(Duration.ZERO)) {
                token = lease.fencingToken();
                assertThat(second.lock(name).tryAcquire()).as("%s is exclusive", name).isEmpty();
            }
            try (Lease lease = second.lock(name).acquire(Duration.ZERO)) {
                assertThat(lease.fencingToken()).isGreaterThan(token);
            }
        }
        assertThat(mastersUsed).as("names land on every master").hasSize(3);
    }

    @Test
    void manyLeasesAreRenewedInBatchesPerSlotAndReportedLostWhenDeleted() throws Exception {
        LockClient client = connect();
        Duration leaseTime = Duration.ofSeconds(2);
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            leases.add(client.lock("batch:" + i).acquire(Duration.ZERO, LeaseOptions.renewing(leaseTime)));
        }
        Poll.throughout(leaseTime.multipliedBy(3), () -> assertThat(leases).allMatch(Lease::isValid));
        Lease victim = leases.get(7);
        RedisServer owner = ownerOf("fencelock:{batch:7}");
        owner.call("DEL", "fencelock:{batch:7}");
        assertThat(victim.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.KEY_GONE);
        leases.forEach(Lease::close);
    }

    @Test
    void adminListsHeldLocksAcrossTheCluster() {
        LockClient client = connect();
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            leases.add(client.lock("job:" + i).acquire(Duration.ZERO));
        }
        assertThat(client.admin().list("job:*", 100)).hasSize(10);
        leases.forEach(Lease::close);
    }

    private static RedisServer ownerOf(String key) {
        for (RedisServer master : cluster.masters()) {
            if (((Long) master.call("EXISTS", key)) == 1) {
                return master;
            }
        }
        throw new AssertionError("no master holds " + key);
    }
}
