package dev.fencelock.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of real {@code redis-server} processes, masters only, with the 16,384 slots
 * split evenly between them. Built with CLUSTER MEET and CLUSTER ADDSLOTS, so that it needs no
 * {@code redis-cli}. Closing it stops every node.
 */
public final class RedisCluster implements AutoCloseable {
    private static final int SLOTS = 16_384;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisServer> masters;

    private RedisCluster(List<RedisServer> masters) {
        this.masters = List.copyOf(masters);
    }

    /** Starts {@code masters} nodes and waits until the cluster reports {@code cluster_state:ok} on every node. */
    public static RedisCluster start(int masters) {
        if (masters < 1 || masters > 16) {
            throw new IllegalArgumentException("masters must be between 1 and 16, was " + masters);
        }
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < masters; i++) {
                nodes.add(RedisServer.builder().args("--cluster-enabled", "yes", "--cluster-node-timeout", "2000").start());
            }
            RedisCluster cluster = new RedisCluster(nodes);
            cluster.assignSlotsAndMeet();
            cluster.awaitOk();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    private void assignSlotsAndMeet() {
        for (int i = 0; i < masters.size(); i++) {
            int from = SLOTS * i / masters.size();
            int to = SLOTS * (i + 1) / masters.size();
            List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
            for (int slot = from; slot < to; slot++) {
                command.add(Integer.toString(slot));
            }
            masters.get(i).call(command.toArray(String[]::new));
        }
        RedisServer first = masters.get(0);
        for (RedisServer other : masters.subList(1, masters.size())) {
            first.call("CLUSTER", "MEET", other.host(), Integer.toString(other.port()));
        }
    }

    private void awaitOk() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!masters.stream().allMatch(RedisCluster::isOk)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the cluster did not reach cluster_state:ok within " + READY_TIMEOUT.toMillis() + " ms");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while forming the cluster", e);
            }
        }
    }

    private static boolean isOk(RedisServer node) {
        String info = (String) node.call("CLUSTER", "INFO");
        return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:");
    }

    /** The master nodes. */
    public List<RedisServer> masters() {
        return masters;
    }

    /** {@code redis://host:port} of every master, to seed a cluster client. */
    public List<String> seedUris() {
        return masters.stream().map(RedisServer::uri).toList();
    }

    @Override
    public void close() {
        masters.forEach(RedisServer::close);
    }
}
