package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A waiter on a Redis Cluster of Redis 7.0 or later whose lock's master fails over while it waits:
 * its client subscribes to the release channel (SSUBSCRIBE) on the replica that took over, and the
 * next release wakes it. Three masters with one replica each; every test fails over another shard.
 *
 * <p>The leases (60 s) outlast the test, so a waiter that has the lock within 5 s of the release
 * was woken by the release, not by its own timer. While the dead master is not yet replaced, the
 * waiter's keep-alive attempts fail; on a Cluster it tries again until its deadline (60 s here) or
 * the outage allowance (30 s by default; a takeover here takes at most {@code TAKEOVER}, 20 s).
 */
class ClusterFailoverIT {
    /** Short, so that an attempt sent to a dead master fails soon and is tried again on its successor. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** A killed master is marked failed after the node timeout (2 s), then its replica is elected. */
    private static final Duration TAKEOVER = Duration.ofSeconds(20);
    private static final long WOKEN_WITHIN_SECONDS = 5;
    private static RedisCluster cluster;
    private final TestClients clients = new TestClients();

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start(3, 1);
        assumeTrue(RedisVersion.hasShardedPubSub((String) cluster.masters().get(0).call("INFO", "server")),
                "sharded pub/sub needs Redis 7.0 or later, and the redis-server under test is older");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void nothingLeaked() {
        clients.verifyNothingLeakedAndClose();
    }

    private LockEngine client() {
        return clients.connect(cluster, builder -> builder.commandTimeout(COMMAND_TIMEOUT).defaultLease(Duration.ofSeconds(60)));
    }

    @Test
    void aWaiterWhoseMasterHandsOverToItsReplicaSubscribesOnTheReplicaAndIsWokenByTheNextRelease() throws Exception {
        String name = "handed-over";
        RedisServer master = cluster.masterOf(slot(name));
        RedisServer replica = cluster.replicasOf(master).get(0);

        waitThrough(name, replica, () -> replica.call("CLUSTER", "FAILOVER"));

        // A replica receives its shard's messages: one still subscribed there would deliver each release twice.
        Poll.until("no subscription left on the former master", Duration.ofSeconds(5), () -> shardSubscribers(master, name) == 0);
    }

    @Test
    void aWaiterWhoseMasterIsKilledSubscribesOnTheReplicaThatTakesOverAndIsWokenByTheNextRelease() throws Exception {
        String name = "orphaned";
        RedisServer master = cluster.masterOf(slot(name));
        RedisServer replica = cluster.replicasOf(master).get(0);
        try {
            waitThrough(name, replica, master::kill);
        } finally {
            // Back as the replica of the node that replaced it, for the next test.
            master.restart();
            cluster.awaitSettled();
        }
        // Lettuce subscribes its connection to the restarted node again; the client ends that at once.
        Poll.until("no subscription left on the former master", Duration.ofSeconds(5), () -> shardSubscribers(master, name) == 0);
    }

    @Test
    void aPermitAskedForWhileItsMasterIsDeadWaitsForItsReplicaAsAPlainLockDoes() throws Exception {
        RedisServer master = cluster.masterOf(slot("permits"));
        LockEngine client = client();
        // Connected, with the scripts loaded on every master, before the kill.
        client.semaphore("permits", 2).acquire(Duration.ZERO).close();
        try {
            master.kill();
            CompletableFuture<Lease> permit = client.semaphore("permits", 2).acquireAsync(TAKEOVER.multipliedBy(2));

            // The first attempts fail within the command timeout; the acquisition tries again until the replica serves.
            try (Lease lease = permit.get(TAKEOVER.multipliedBy(3).toSeconds(), TimeUnit.SECONDS)) {
                assertThat(lease.isValid()).isTrue();
            }
        } finally {
            master.restart();
            cluster.awaitSettled();
        }
    }

    /**
     * A frozen master (SIGSTOP: its kernel keeps the connections open and acknowledged) is replaced
     * by its replica. Nothing that Lettuce refreshes its topology for happens (no MOVED, ASK or
     * reconnect): only the client's own timeouts tell it to look again.
     */
    @Test
    void aLockWhoseMasterFreezesIsTakenOnTheReplicaThatReplacesIt() throws Exception {
        String name = "frozen";
        RedisServer master = cluster.masterOf(slot(name));
        RedisServer replica = cluster.replicasOf(master).get(0);
        LockEngine client = client();
        // Connected, with the scripts loaded on every master, before the freeze.
        client.lock(name).acquire(Duration.ZERO).close();
        master.pause();
        try {
            Poll.until(replica + " promoted", TAKEOVER, () -> "master".equals(((List<?>) replica.call("ROLE")).get(0)));

            try (Lease lease = client.lock(name).acquire(TAKEOVER)) {
                assertThat(replica.call("GET", "fencelock:{" + name + "}")).as("the lock's key on the new master").isNotNull();
                assertThat(lease.isValid()).isTrue();
            }
        } finally {
            master.resume();
            cluster.awaitSettled();
        }
    }

    /**
     * A holder takes the lock, a waiter waits for it, {@code failover} makes {@code successor} the
     * master of the lock's slot, the waiter's client subscribes there, and the holder's release
     * wakes the waiter.
     */
    private void waitThrough(String name, RedisServer successor, Runnable failover) throws Exception {
        DistributedLock holder = client().lock(name);
        DistributedLock waiter = client().lock(name);
        Lease held = holder.acquire(Duration.ZERO);
        CompletableFuture<Lease> waits = waiter.acquireAsync(Duration.ofSeconds(60));
        RedisServer master = cluster.masterOf(slot(name));
        Poll.until("the waiter subscribed on " + master, Duration.ofSeconds(5), () -> shardSubscribers(master, name) == 1);

        failover.run();

        Poll.until(successor + " serves the slot of " + name, TAKEOVER, () -> cluster.masterOf(slot(name)) == successor);
        Poll.until("the waiter subscribed on " + successor, TAKEOVER, () -> shardSubscribers(successor, name) == 1);
        assertThat(waits).as("still waiting: the lock is held").isNotDone();
        held.close();
        try (Lease lease = waits.get(WOKEN_WITHIN_SECONDS, TimeUnit.SECONDS)) {
            assertThat(lease.fencingToken()).as("the waiter's token, after the holder's").isGreaterThan(held.fencingToken());
        }
    }

    /** Clients subscribed on {@code node} to the sharded release channel of the lock {@code name}. */
    private static long shardSubscribers(RedisServer node, String name) {
        return (Long) ((List<?>) node.call("PUBSUB", "SHARDNUMSUB", "fencelock:{" + name + "}:released")).get(1);
    }

    private static int slot(String name) {
        return SlotHash.getSlot("fencelock:{" + name + "}");
    }
}
