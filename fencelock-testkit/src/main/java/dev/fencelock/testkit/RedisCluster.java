package dev.fencelock.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A Redis Cluster of real {@code redis-server} processes, with the 16,384 slots split evenly
 * between its masters and, if asked, replicas of each master that can take over from it. Built
 * with CLUSTER MEET, CLUSTER ADDSLOTS and CLUSTER REPLICATE, so that it needs no {@code redis-cli}.
 * Nodes time out after 2 s, so a replica replaces a killed master within a few seconds. Closing
 * it stops every node.
 */
public final class RedisCluster implements AutoCloseable {
    private static final int SLOTS = 16_384;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisServer> masters;
    private final List<RedisServer> replicas;

    private RedisCluster(List<RedisServer> masters, List<RedisServer> replicas) {
        this.masters = List.copyOf(masters);
        this.replicas = List.copyOf(replicas);
    }

    /** Starts {@code masters} nodes and waits until the cluster reports {@code cluster_state:ok} on every node. */
    public static RedisCluster start(int masters) {
        return start(masters, 0);
    }

    /**
     * Starts {@code masters} masters with {@code replicasPerMaster} replicas each, and waits until
     * every node reports {@code cluster_state:ok}, every replica has synchronized with its master,
     * and every node knows every replica's master (so that the masters can vote a replica in).
     */
    public static RedisCluster start(int masters, int replicasPerMaster) {
        if (masters < 1 || masters > 16) {
            throw new IllegalArgumentException("masters must be between 1 and 16, was " + masters);
        }
        if (replicasPerMaster < 0 || replicasPerMaster > 2) {
            throw new IllegalArgumentException("replicasPerMaster must be between 0 and 2, was " + replicasPerMaster);
        }
        List<RedisServer> nodes = new ArrayList<>();
        try {
            List<RedisServer> started = new ArrayList<>();
            for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
                started.add(RedisServer.builder().args("--cluster-enabled", "yes", "--cluster-node-timeout", "2000").start());
                nodes.add(started.get(i));
            }
            RedisCluster cluster = new RedisCluster(started.subList(0, masters), started.subList(masters, started.size()));
            cluster.assignSlotsAndMeet();
            cluster.awaitOnEveryNode("cluster_state:ok", node -> ((String) node.call("CLUSTER", "INFO")).contains("cluster_state:ok"));
            cluster.replicate();
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
        for (RedisServer other : nodes().subList(1, masters.size() + replicas.size())) {
            first.call("CLUSTER", "MEET", other.host(), Integer.toString(other.port()));
        }
    }

    /** Makes the i-th replica one of master {@code i % masters}, once it has heard of that master. */
    private void replicate() {
        if (replicas.isEmpty()) {
            return;
        }
        awaitOnEveryNode("every node known", node -> clusterNodes(node).size() == masters.size() + replicas.size());
        for (int i = 0; i < replicas.size(); i++) {
            replicas.get(i).call("CLUSTER", "REPLICATE", id(masters.get(i % masters.size())));
        }
        awaitSettled();
    }

    /**
     * Waits until every node is running and reports {@code cluster_state:ok}, every replica has
     * synchronized with its master, and every node knows as many replicas as the cluster was
     * started with and no failed node: after a master was killed and {@linkplain RedisServer#restart()
     * restarted}, until it has rejoined as the replica of the node that replaced it.
     *
     * @throws IllegalStateException if the cluster does not settle within 30 s
     */
    public void awaitSettled() {
        awaitOnEveryNode("every node running, replicas synchronized and known as such", node -> {
            if (!node.isRunning()) {
                return false;
            }
            String replication = (String) node.call("INFO", "replication");
            if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                return false;
            }
            List<String> flags = clusterNodes(node).stream().map(line -> line.split(" ")[2]).toList();
            return flags.stream().filter(flag -> flag.contains("slave")).count() == replicas.size()
                    && flags.stream().noneMatch(flag -> flag.contains("fail"))
                    && ((String) node.call("CLUSTER", "INFO")).contains("cluster_state:ok");
        });
    }

    private void awaitOnEveryNode(String what, Predicate<RedisServer> condition) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!nodes().stream().allMatch(condition)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the cluster did not reach " + what + " within " + READY_TIMEOUT.toMillis() + " ms");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while forming the cluster", e);
            }
        }
    }

    /** The lines of {@code CLUSTER NODES} as {@code node} sees the cluster: id, address, flags, master id, …. */
    private static List<String> clusterNodes(RedisServer node) {
        return ((String) node.call("CLUSTER", "NODES")).lines().filter(line -> !line.isBlank()).toList();
    }

    /** A node's cluster id ({@code CLUSTER MYID}). */
    public static String id(RedisServer node) {
        return (String) node.call("CLUSTER", "MYID");
    }

    /** The nodes started as masters; after a failover some of them may be replicas, or dead. */
    public List<RedisServer> masters() {
        return masters;
    }

    /** The nodes started as replicas, those of the first master first; empty unless asked for. */
    public List<RedisServer> replicas() {
        return replicas;
    }

    /** Every node: the masters, then the replicas. */
    public List<RedisServer> nodes() {
        return Stream.concat(masters.stream(), replicas.stream()).toList();
    }

    /**
     * The node that serves {@code slot} now, as the first running node answers {@code CLUSTER
     * SLOTS}: after a failover, the replica that took over.
     *
     * @throws IllegalStateException if no running node says which node serves the slot
     */
    public RedisServer masterOf(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be between 0 and " + (SLOTS - 1) + ", was " + slot);
        }
        RedisServer asked = nodes().stream().filter(RedisServer::isRunning).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of the cluster is running"));
        for (Object range : (List<?>) asked.call("CLUSTER", "SLOTS")) {
            List<?> fields = (List<?>) range;
            if ((Long) fields.get(0) <= slot && slot <= (Long) fields.get(1)) {
                long port = (Long) ((List<?>) fields.get(2)).get(1);
                return nodes().stream().filter(node -> node.port() == port).findFirst().orElseThrow();
            }
        }
        throw new IllegalStateException(asked + " says that no node serves slot " + slot);
    }

    /**
     * The replicas of {@code master} now, as {@code master} itself sees them ({@code CLUSTER
     * REPLICAS}).
     */
    public List<RedisServer> replicasOf(RedisServer master) {
        List<RedisServer> found = new ArrayList<>();
        for (Object line : (List<?>) master.call("CLUSTER", "REPLICAS", id(master))) {
            String address = ((String) line).split(" ")[1];
            int port = Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@')));
            nodes().stream().filter(node -> node.port() == port).forEach(found::add);
        }
        return found;
    }

    /** {@code redis://host:port} of every master, to seed a cluster client. */
    public List<String> seedUris() {
        return masters.stream().map(RedisServer::uri).toList();
    }

    @Override
    public void close() {
        nodes().forEach(RedisServer::close);
    }
}
