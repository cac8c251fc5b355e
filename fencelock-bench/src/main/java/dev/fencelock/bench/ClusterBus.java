package dev.fencelock.bench;

import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * Scenario 13: Redis Cluster. On clusters of each size of {@link Settings#clusterMasters()},
 * formed by the test kit, two clients of each system hand one lock back and forth, and the
 * publish messages that the nodes send one another over the cluster bus ({@code CLUSTER INFO}:
 * {@code cluster_stats_messages_publish_sent} and {@code …_publishshard_sent}, summed over the
 * nodes) are counted per release, with the PUBLISH and SPUBLISH calls ({@code INFO commandstats},
 * scripts' calls included). A classic PUBLISH crosses the whole bus, one message per other node;
 * a sharded one stays in its shard, which here has no replica. On the cluster of
 * {@link Settings#handoffMasters()} masters, the hand-off latency of Fencelock and Redisson is
 * measured as in scenario 3, but with each thread in its own client, so that every hand-off goes
 * through Redis and its release notification.
 */
final class ClusterBus {
    static final int SCENARIO = 13;
    /** The systems of the scenario: Redisson twice, with its default (sharded on Redis 7.0+) and with classic pub/sub. */
    static final String REDISSON_CLASSIC = "redisson-classic-pubsub";
    private static final int HANDOFF_CLIENTS = 4;

    private final Settings settings;

    ClusterBus(Settings settings) {
        this.settings = settings;
    }

    /** Runs the scenario for {@code systems} (fencelock, redisson) and returns its rows: bus figures, then hand-offs. */
    List<Result> measure(List<String> systems, BiFunction<String, List<String>, BenchSystem> open) throws Exception {
        List<Result> bus = new ArrayList<>();
        List<Result> handoffs = new ArrayList<>();
        List<String> busSystems = new ArrayList<>(systems);
        if (systems.contains("redisson")) {
            busSystems.add(REDISSON_CLASSIC);
        }
        for (int masters : settings.clusterMasters()) {
            try (RedisCluster cluster = RedisCluster.start(masters)) {
                for (String name : busSystems) {
                    bus.add(busMessages(cluster, name, open));
                }
                if (masters == settings.handoffMasters()) {
                    handoffs.addAll(handoffs(cluster, systems, open));
                }
            }
        }
        List<Result> rows = new ArrayList<>(bus);
        rows.addAll(handoffs);
        return rows;
    }

    /** Two clients of {@code system}, one thread each, take one lock in turn; bus messages per release. */
    private Result busMessages(RedisCluster cluster, String system, BiFunction<String, List<String>, BenchSystem> open)
            throws Exception {
        List<BenchSystem> clients = List.of(open.apply(system, cluster.seedUris()), open.apply(system, cluster.seedUris()));
        try {
            String lockName = "bench:cluster-bus";
            // Warm up (connections, scripts, subscriptions) outside the count.
            alternate(clients, lockName, settings.clusterReleases() / 10);
            BusCounts before = BusCounts.of(cluster);
            int releases = alternate(clients, lockName, settings.clusterReleases());
            BusCounts sent = BusCounts.of(cluster).minus(before);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("masters", (double) cluster.masters().size());
            fields.put("releases", (double) releases);
            fields.put("bus_publish_messages_per_release", sent.busMessages() / (double) releases);
            fields.put("publishes_per_release", sent.publishes() / (double) releases);
            fields.put("spublishes_per_release", sent.shardedPublishes() / (double) releases);
            return new Result(SCENARIO, system, fields);
        } finally {
            clients.forEach(BenchSystem::close);
        }
    }

    /**
     * Each client's thread locks and unlocks {@code turns} times, so that most releases find the
     * other client waiting; returns the number of releases.
     */
    private static int alternate(List<BenchSystem> clients, String lockName, int turns) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (BenchSystem client : clients) {
            BenchLock lock = client.lock(lockName);
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < turns; i++) {
                        lock.lock();
                        lock.unlock();
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, client.name() + "-cluster-bus");
            threads.add(thread);
            thread.start();
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("cluster bus run failed", failure.get());
        }
        return turns * clients.size();
    }

    /** Scenario 3's loop on one name, each of {@link #HANDOFF_CLIENTS} threads in its own client. */
    private List<Result> handoffs(RedisCluster cluster, List<String> systems, BiFunction<String, List<String>, BenchSystem> open)
            throws Exception {
        List<BenchSystem> chosen = new ArrayList<>();
        try {
            for (String name : systems) {
                chosen.add(Systems.spread(name, HANDOFF_CLIENTS, () -> open.apply(name, cluster.seedUris())));
            }
            List<Result> rows = new ArrayList<>();
            ProcessCpu cpu = ProcessCpu.of(cluster.nodes().stream().mapToLong(RedisServer::pid).toArray());
            for (Result r : new LockLoop(settings, cpu).measure(SCENARIO, chosen, HANDOFF_CLIENTS, thread -> "cluster-handoff", true)) {
                Map<String, Object> fields = new LinkedHashMap<>(r.fields());
                fields.put("masters", (double) cluster.masters().size());
                fields.put("clients", (double) HANDOFF_CLIENTS);
                rows.add(new Result(SCENARIO, r.system(), fields));
            }
            return rows;
        } finally {
            chosen.forEach(BenchSystem::close);
        }
    }

    /** Publish traffic of a whole cluster, summed over its nodes. */
    private record BusCounts(long busMessages, long publishes, long shardedPublishes) {
        static BusCounts of(RedisCluster cluster) {
            long bus = 0;
            long publishes = 0;
            long sharded = 0;
            for (RedisServer node : cluster.masters()) {
                String info = (String) node.call("CLUSTER", "INFO");
                bus += stat(info, "cluster_stats_messages_publish_sent") + stat(info, "cluster_stats_messages_publishshard_sent");
                Map<String, Long> calls = node.commandCalls();
                publishes += calls.getOrDefault("publish", 0L);
                sharded += calls.getOrDefault("spublish", 0L);
            }
            return new BusCounts(bus, publishes, sharded);
        }

        BusCounts minus(BusCounts earlier) {
            return new BusCounts(busMessages - earlier.busMessages, publishes - earlier.publishes,
                    shardedPublishes - earlier.shardedPublishes);
        }

        /** A counter of {@code CLUSTER INFO}; absent until the node has counted one. */
        private static long stat(String info, String name) {
            for (String line : info.split("\r\n")) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.substring(name.length() + 1).trim());
                }
            }
            return 0;
        }
    }
}
