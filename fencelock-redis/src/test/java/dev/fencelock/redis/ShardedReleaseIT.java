package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisInfo;
import dev.fencelock.testkit.RedisServer;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Release notifications on a six-master Redis Cluster of Redis 7.0 or later: sharded pub/sub keeps
 * each one in the shard that owns its lock, and still wakes the waiters of every shard.
 *
 * <p>The clients' command timeout (10 s) is the longest a waiter goes without trying again, and
 * their leases (60 s) outlast the test: a waiter that has the lock within 5 s of a release was woken
 * by the release, not by its own timer.
 */
class ShardedReleaseIT {
    private static final int MASTERS = 6;
    private static final int HAND_OFFS = 20;
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final long WOKEN_WITHIN_SECONDS = 5;
    private static RedisCluster cluster;
    private final TestClients clients = new TestClients();

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start(MASTERS);
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

    private LockEngine patientClient() {
        return clients.connect(cluster, builder -> builder.commandTimeout(PATIENCE).defaultLease(Duration.ofSeconds(60)));
    }

    @Test
    void handOffsOfALockPublishOnTheShardThatOwnsItOnly() throws Exception {
        String name = "hot";
        RedisServer owner = masterOf(name);
        DistributedLock holder = patientClient().lock(name);
        DistributedLock waiter = patientClient().lock(name);
        Map<RedisServer, PubSubCounts> before = counts();

        for (int i = 0; i < HAND_OFFS; i++) {
            handOff(holder, waiter, name, waits -> {});
        }

        Map<RedisServer, PubSubCounts> after = counts();
        for (RedisServer master : cluster.masters()) {
            PubSubCounts sent = after.get(master).minus(before.get(master));
            // All on the owner: the holder's release announces itself to the queued waiter; the
            // waiter's own release, only while its client still listens on the channel (it stays
            // subscribed a while after its last watcher leaves).
            if (master == owner) {
                assertThat(sent.shardedPublished()).as("SPUBLISH on the owner %s", master).isBetween((long) HAND_OFFS, 2L * HAND_OFFS);
            } else {
                assertThat(sent.shardedPublished()).as("SPUBLISH on %s", master).isZero();
            }
            assertThat(sent.classicPublished()).as("PUBLISH on %s", master).isZero();
            assertThat(sent.busPublishReceived()).as("publish messages %s received over the cluster bus", master).isZero();
        }
    }

    @Test
    void waitersOnLocksOfEveryShardAreWokenByTheRelease() throws Exception {
        List<String> names = oneNamePerMaster();
        LockEngine holderClient = patientClient();
        LockEngine waiterClient = patientClient();
        List<Lease> held = new ArrayList<>();
        List<CompletableFuture<Lease>> waits = new ArrayList<>();
        for (String name : names) {
            held.add(holderClient.lock(name).acquire(Duration.ZERO));
            waits.add(waiterClient.lock(name).acquireAsync(Duration.ofSeconds(30)));
        }
        for (String name : names) {
            awaitWaiting(name);
        }

        held.forEach(Lease::close);

        for (int i = 0; i < names.size(); i++) {
            try (Lease lease = waits.get(i).get(WOKEN_WITHIN_SECONDS, TimeUnit.SECONDS)) {
                assertThat(lease.isValid()).as("the waiter of %s on %s", names.get(i), masterOf(names.get(i))).isTrue();
            }
        }
    }

    @Test
    void aWritersReleaseWakesTheReaderWaitingForItThroughItsShardSubscription() throws Exception {
        // A reader does not queue: only its sharded subscription, counted on the owner, makes the
        // writer's release announce itself before the reader's own retry timer (10 s away).
        String name = "read-shard";
        Lease writer = patientClient().readWriteLock(name).writeLock().acquire(Duration.ZERO);
        CompletableFuture<Lease> reader = patientClient().readWriteLock(name).readLock().acquireAsync(Duration.ofSeconds(30));

        assertWokenByOneShardedRelease(name, reader, "the writer's release", writer::close);
    }

    @Test
    void aForcedReleaseOfReadersWakesTheWriterWaitingThroughItsShardSubscription() throws Exception {
        // The reader's lease runs for minutes, and the writer's own retry is 10 s away: only the
        // forced release's message, sharded as a release script's, wakes it in time.
        String name = "forced-shard";
        Lease reader = patientClient().readWriteLock(name).readLock().acquire(Duration.ZERO,
                LeaseOptions.fixed(Duration.ofMinutes(5)));
        CompletableFuture<Lease> writer = patientClient().readWriteLock(name).writeLock().acquireAsync(Duration.ofSeconds(30));

        assertWokenByOneShardedRelease(name, writer, "the forced release", () ->
                assertThat(patientClient().admin().forceRelease(name)).as("the readers, removed").isPresent());
        reader.close();
    }

    /**
     * Once {@code waiting} listens on the shard of {@code name}, runs {@code release}, and checks that
     * it wakes the waiter in time, announced once on the owner of the name's slot.
     */
    private static void assertWokenByOneShardedRelease(String name, CompletableFuture<Lease> waiting, String release,
            Runnable releasing) throws Exception {
        RedisServer owner = masterOf(name);
        Poll.until("the waiter subscribed on " + owner, Duration.ofSeconds(5), () -> shardSubscribers(owner, channel(name)) == 1);
        long publishedBefore = PubSubCounts.of(owner).shardedPublished();

        releasing.run();

        try (Lease woken = waiting.get(WOKEN_WITHIN_SECONDS, TimeUnit.SECONDS)) {
            assertThat(PubSubCounts.of(owner).shardedPublished() - publishedBefore)
                    .as("%s, announced on the owner %s", release, owner).isEqualTo(1);
        }
    }

    @Test
    void aWaiterWhoseSlotMovesToAnotherMasterSubscribesThereAndIsWokenByTheNextRelease() throws Exception {
        String name = "moving";
        SlotMove move = SlotMove.awayFromTheMasterOf(name);
        handOff(patientClient().lock(name), patientClient().lock(name), name, waits -> {
            move.start();
            move.finish();

            assertThat(masterOf(name)).isSameAs(move.to());
            Poll.until("the waiter subscribed on " + move.to(), Duration.ofSeconds(5),
                    () -> shardSubscribers(move.to(), channel(name)) == 1);
            assertThat(waits).as("still waiting: the lock is held").isNotDone();
        });
    }

    @Test
    void aChannelLingeringWhenItsSlotMovesIsSubscribedWhereTheSlotLivesByItsNextWatcher() throws Exception {
        String name = "lingering";
        SlotMove move = SlotMove.awayFromTheMasterOf(name);
        DistributedLock holder = patientClient().lock(name);
        DistributedLock waiter = patientClient().lock(name);
        handOff(holder, waiter, name, waits -> {});

        // The waiter's channel stays subscribed for the designation timeout: the slot moves meanwhile.
        move.start();
        move.finish();

        handOff(holder, waiter, name, waits -> {});
    }

    /**
     * The holder takes the lock, the waiter waits for it (queued and subscribed), {@code meanwhile}
     * runs, the holder releases, and the release wakes the waiter, which releases in turn.
     */
    private static void handOff(DistributedLock holder, DistributedLock waiter, String name, WhileWaiting meanwhile)
            throws Exception {
        // Free: the wait only lets a try that met the slot's old master (MOVED, before the client's
        // topology refresh) be tried again.
        Lease held = holder.acquire(Duration.ofSeconds(5));
        CompletableFuture<Lease> waits = waiter.acquireAsync(Duration.ofSeconds(30));
        awaitWaiting(name);
        meanwhile.run(waits);
        held.close();
        waits.get(WOKEN_WITHIN_SECONDS, TimeUnit.SECONDS).close();
    }

    /** What a test does while a waiter waits for a held lock. */
    private interface WhileWaiting {
        void run(CompletableFuture<Lease> waits) throws Exception;
    }

    @Test
    void aReleaseRefusedWithTryAgainWhileItsSlotMigratesIsSentAgainUntilTheMigrationEnds() throws Exception {
        String name = "half-moved";
        SlotMove move = SlotMove.awayFromTheMasterOf(name);
        Lease held = patientClient().lock(name).acquire(Duration.ZERO);
        long refusedBefore = tryAgainErrors(move.from());
        move.start();

        // The release script names keys that do not exist (the queues): a migrating master cannot
        // tell them from keys already moved, and refuses the script with TRYAGAIN.
        CompletableFuture<ReleaseOutcome> release = CompletableFuture.supplyAsync(held::release);
        Poll.until("a release refused with TRYAGAIN", Duration.ofSeconds(5), () -> tryAgainErrors(move.from()) > refusedBefore);
        assertThat(release).as("sent again, not failed").isNotDone();
        move.finish();

        assertThat(release.get(WOKEN_WITHIN_SECONDS, TimeUnit.SECONDS)).isEqualTo(ReleaseOutcome.RELEASED);
        assertThat(move.to().call("EXISTS", "fencelock:{" + name + "}")).isEqualTo(0L);
    }

    /** Scripts and commands that {@code master} refused with TRYAGAIN ({@code INFO errorstats}). */
    private static long tryAgainErrors(RedisServer master) {
        return RedisInfo.field((String) master.call("INFO", "errorstats"), "errorstat_TRYAGAIN")
                .map(value -> Long.parseLong(value.substring("count=".length()))).orElse(0L);
    }

    /** The migration of a lock's slot to another master, in the steps of an operator resharding the cluster. */
    private record SlotMove(String slot, RedisServer from, RedisServer to) {
        static SlotMove awayFromTheMasterOf(String name) {
            RedisServer from = masterOf(name);
            RedisServer to = cluster.masters().stream().filter(master -> master != from).findFirst().orElseThrow();
            return new SlotMove(Integer.toString(SlotHash.getSlot(channel(name))), from, to);
        }

        /** IMPORTING on the target, MIGRATING on the source. */
        void start() {
            to.call("CLUSTER", "SETSLOT", slot, "IMPORTING", (String) from.call("CLUSTER", "MYID"));
            from.call("CLUSTER", "SETSLOT", slot, "MIGRATING", (String) to.call("CLUSTER", "MYID"));
        }

        /** MIGRATE of the slot's keys, then every master told the new owner, the target first. */
        void finish() {
            String toId = (String) to.call("CLUSTER", "MYID");
            List<String> migrate = new ArrayList<>(List.of("MIGRATE", to.host(), Integer.toString(to.port()), "", "0", "5000", "KEYS"));
            List<?> keys = (List<?>) from.call("CLUSTER", "GETKEYSINSLOT", slot, "100");
            if (!keys.isEmpty()) {
                keys.forEach(key -> migrate.add(String.valueOf(key)));
                from.call(migrate.toArray(String[]::new));
            }
            List<RedisServer> told = new ArrayList<>(List.of(to, from));
            cluster.masters().stream().filter(master -> !told.contains(master)).forEach(told::add);
            told.forEach(master -> master.call("CLUSTER", "SETSLOT", slot, "NODE", toId));
        }
    }

    /** Clients subscribed to a sharded channel on {@code master} ({@code PUBSUB SHARDNUMSUB}). */
    private static long shardSubscribers(RedisServer master, String channel) {
        return (Long) ((List<?>) master.call("PUBSUB", "SHARDNUMSUB", channel)).get(1);
    }

    /** A lock name whose slot lives on each master, so that every shard is used. */
    private static List<String> oneNamePerMaster() {
        Map<RedisServer, String> names = new LinkedHashMap<>();
        for (int i = 0; names.size() < MASTERS; i++) {
            names.putIfAbsent(masterOf("shard:" + i), "shard:" + i);
        }
        return List.copyOf(names.values());
    }

    /** Waits until a client queues for the lock and listens for its release on the master that owns it. */
    private static void awaitWaiting(String name) throws InterruptedException {
        RedisServer owner = masterOf(name);
        String queue = "fencelock:{" + name + "}:waiters";
        Poll.until("a waiter queued for " + name + " and subscribed on " + owner, Duration.ofSeconds(5),
                () -> (Long) owner.call("ZCARD", queue) == 1 && shardSubscribers(owner, channel(name)) == 1);
    }

    private static String channel(String name) {
        return "fencelock:{" + name + "}:released";
    }

    /** The master that serves the slot of the lock {@code name}, as the cluster says now. */
    static RedisServer masterOf(String name) {
        return cluster.masterOf(SlotHash.getSlot("fencelock:{" + name + "}"));
    }

    private static Map<RedisServer, PubSubCounts> counts() {
        Map<RedisServer, PubSubCounts> counts = new LinkedHashMap<>();
        cluster.masters().forEach(master -> counts.put(master, PubSubCounts.of(master)));
        return counts;
    }

    /**
     * One node's pub/sub work: the publishes its scripts ran ({@code INFO commandstats}) and the
     * publish messages it received from other nodes over the cluster bus ({@code CLUSTER INFO}).
     */
    private record PubSubCounts(long shardedPublished, long classicPublished, long busPublishReceived) {
        static PubSubCounts of(RedisServer node) {
            Map<String, Long> calls = node.commandCalls();
            String info = (String) node.call("CLUSTER", "INFO");
            return new PubSubCounts(calls.getOrDefault("spublish", 0L), calls.getOrDefault("publish", 0L),
                    clusterStat(info, "cluster_stats_messages_publish_received")
                            + clusterStat(info, "cluster_stats_messages_publishshard_received"));
        }

        PubSubCounts minus(PubSubCounts earlier) {
            return new PubSubCounts(shardedPublished - earlier.shardedPublished, classicPublished - earlier.classicPublished,
                    busPublishReceived - earlier.busPublishReceived);
        }

        /** A counter of {@code CLUSTER INFO}; absent until the node has counted one. */
        private static long clusterStat(String info, String stat) {
            return RedisInfo.field(info, stat).map(Long::parseLong).orElse(0L);
        }
    }
}
