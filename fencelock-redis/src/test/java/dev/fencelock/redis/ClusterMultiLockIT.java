package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Multi-locks on a three-master Redis Cluster, over names in different hash slots (and masters):
 * taken slot by slot in slot order, rolled back when a slot refuses, with one token raised into
 * every name's counter.
 */
class ClusterMultiLockIT {
    /** Three names whose keys hash to three slots, in ascending slot order. */
    private static final List<String> NAMES = List.of("c:a", "c:b", "c:c").stream()
            .sorted(Comparator.comparingInt(ClusterMultiLockIT::slotOf)).toList();
    private static RedisCluster cluster;
    private final TestClients clients = new TestClients();

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
        clients.verifyNothingLeakedAndClose();
    }

    private LockClient connect() {
        return clients.connect(cluster, UnaryOperator.identity());
    }

    @Test
    void theNamesLieInDifferentSlots() {
        assertThat(NAMES.stream().map(ClusterMultiLockIT::slotOf).distinct()).as("the slots of %s", NAMES).hasSize(3);
    }

    @Test
    void oneTokenAboveEveryNamesEarlierTokensIsRaisedIntoEveryNamesCounter() {
        LockClient client = connect();
        List<Long> earlier = new ArrayList<>();
        for (int i = 0; i < NAMES.size(); i++) {
            // Different numbers of acquisitions, so that the slots mint different tokens.
            for (int round = 0; round <= i * 2; round++) {
                try (Lease lease = client.lock(NAMES.get(i)).acquire(Duration.ZERO)) {
                    earlier.add(lease.fencingToken());
                }
            }
        }
        long token;
        try (Lease lease = client.multiLock(NAMES.toArray(String[]::new)).acquire(Duration.ZERO)) {
            token = lease.fencingToken();
            assertThat(token).isGreaterThan(earlier.stream().mapToLong(Long::longValue).max().orElseThrow());
            for (String name : NAMES) {
                assertThat(client.admin().inspect(name).lastFencingToken()).as("the counter of %s", name).hasValue(token);
            }
        }
        for (String name : NAMES) {
            try (Lease later = client.lock(name).acquire(Duration.ZERO)) {
                assertThat(later.fencingToken()).as("a later token of %s", name).isGreaterThan(token);
            }
        }
    }

    @Test
    void aRefusalInALaterSlotGivesBackTheSlotsTakenBeforeIt() {
        LockClient first = connect();
        LockClient second = connect();
        String last = NAMES.get(NAMES.size() - 1);
        try (Lease plain = first.lock(last).acquire(Duration.ZERO)) {
            assertThat(second.multiLock(NAMES.toArray(String[]::new)).tryAcquire()).isEmpty();
            for (String name : NAMES.subList(0, NAMES.size() - 1)) {
                assertThat(first.admin().inspect(name).isHeld()).as("%s, taken before the refusal, is given back", name)
                        .isFalse();
            }
        }
    }

    @Test
    void multiLocksInOppositeOrdersOnSeveralThreadsNeverDeadlockAndExcludeEachOther() throws Exception {
        List<List<String>> sets = List.of(NAMES, List.of(NAMES.get(2), NAMES.get(1), NAMES.get(0)),
                List.of(NAMES.get(1), NAMES.get(2)), List.of(NAMES.get(2), NAMES.get(0)));
        int rounds = 25;
        List<LockClient> locks = List.of(connect(), connect());
        RedisClusterClient lettuce = RedisClusterClient.create(cluster.seedUris().stream().map(RedisURI::create).toList());
        ExecutorService threads = Executors.newFixedThreadPool(sets.size());
        try (StatefulRedisClusterConnection<String, String> connection = lettuce.connect()) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < sets.size(); i++) {
                LockClient client = locks.get(i % 2);
                List<String> set = sets.get(i);
                running.add(threads.submit(() -> MultiLockWorkerProcess.run(client, connection.sync(), set, rounds)));
            }
            for (Future<?> thread : running) {
                thread.get(3, TimeUnit.MINUTES);
            }
            for (String name : NAMES) {
                long expected = sets.stream().filter(set -> set.contains(name)).count() * rounds;
                assertThat(Long.parseLong(connection.sync().get(MultiLockWorkerProcess.counterOf(name))))
                        .as("increments of %s: none lost to an overlap", name).isEqualTo(expected);
                connection.sync().del(MultiLockWorkerProcess.counterOf(name));
            }
        } finally {
            threads.shutdownNow();
            lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    @Test
    void losingTheNameOfOneSlotLosesTheLeaseAndFreesTheOtherSlots() throws Exception {
        LockClient client = connect();
        Lease lease = client.multiLock(NAMES.toArray(String[]::new))
                .acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        client.admin().forceRelease(NAMES.get(1));

        LockLostException lost = lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(lost.reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
        Poll.until("the other names freed", Duration.ofSeconds(10),
                () -> NAMES.stream().noneMatch(name -> client.admin().inspect(name).isHeld()));
        lease.close();
    }

    private static int slotOf(String name) {
        return SlotHash.getSlot("fencelock:{" + name + "}");
    }
}
