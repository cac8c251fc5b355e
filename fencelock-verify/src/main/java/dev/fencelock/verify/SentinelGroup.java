package dev.fencelock.verify;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * A master, a replica and three sentinels from the test kit (quorum 2, a master is down after
 * 500 ms). Clients reach the master through the sentinels; the failover nemesis kills it.
 */
final class SentinelGroup implements Topology {
    static final String MASTER_NAME = "main";
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(50);

    private final List<KitRedis> data;
    private final List<RedisServer> sentinels = new ArrayList<>();

    private SentinelGroup(List<KitRedis> data) {
        this.data = List.copyOf(data);
    }

    /** Starts the master, the replica and the sentinels, and waits until a failover is possible. */
    static SentinelGroup start() {
        // A master waits 5 s by default before a diskless sync, to serve several replicas at once;
        // here it would only delay the next failover.
        KitRedis master = KitRedis.start("n0", false, "--repl-diskless-sync-delay", "0");
        KitRedis replica;
        try {
            replica = KitRedis.start("n1", false, "--repl-diskless-sync-delay", "0",
                    "--replicaof", master.host(), Integer.toString(master.port()));
        } catch (RuntimeException e) {
            master.close();
            throw e;
        }
        SentinelGroup group = new SentinelGroup(List.of(master, replica));
        try {
            group.awaitSynced(replica, SETTLE_TIMEOUT);
            for (int i = 0; i < 3; i++) {
                group.sentinels.add(RedisServer.builder()
                        .config("sentinel monitor " + MASTER_NAME + " " + master.host() + " " + master.port() + " 2\n"
                                + "sentinel down-after-milliseconds " + MASTER_NAME + " 500\n"
                                // A sentinel starts another failover of the same master after twice this.
                                + "sentinel failover-timeout " + MASTER_NAME + " 2000\n")
                        .args("--sentinel")
                        .start());
            }
            // A failover needs the sentinels to know the replica and each other (they announce
            // themselves every 2 s): until then, killing the master would promote nobody.
            group.awaitTrue("the sentinels to know the replica and each other", SETTLE_TIMEOUT, () ->
                    group.sentinels.stream().allMatch(sentinel ->
                            ((List<?>) sentinel.call("SENTINEL", "REPLICAS", MASTER_NAME)).size() == 1
                                    && ((List<?>) sentinel.call("SENTINEL", "SENTINELS", MASTER_NAME)).size() == 2));
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return "Sentinel: " + data.stream().map(Object::toString).collect(Collectors.joining("; "))
                + "; 3 sentinels (quorum 2, down after 500 ms)";
    }

    @Override
    public List<String> lockUris() {
        return List.of("redis-sentinel://" + sentinels.stream().map(s -> s.host() + ":" + s.port())
                .collect(Collectors.joining(",")) + "#" + MASTER_NAME);
    }

    /** The data node that the sentinels name master now. */
    KitRedis currentMaster() {
        int port = masterPort().orElseThrow(() -> new IllegalStateException("the sentinels name no master"));
        return data.stream().filter(node -> node.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("the sentinels name an unknown master on port " + port));
    }

    /** Waits until the sentinels name a master other than {@code old}; empty if they did not within {@code timeout}. */
    Optional<KitRedis> awaitPromotion(KitRedis old, Duration timeout) {
        try {
            awaitTrue("a replica promoted in place of " + old.name(), timeout,
                    () -> masterPort().filter(port -> port != old.port()).isPresent());
            return Optional.of(currentMaster());
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    /**
     * Makes a restarted former master a replica of the current master at once, as the sentinels
     * would — but they look at a replica only every 10 s, and the next failover needs it.
     */
    void follow(KitRedis node, KitRedis master) {
        node.server().call("REPLICAOF", master.host(), Integer.toString(master.port()));
    }

    /** Waits until {@code node} is a replica whose link to its master is up. */
    void awaitSynced(KitRedis node, Duration timeout) {
        awaitTrue(node.name() + " to be an in-sync replica", timeout, () -> {
            String info = (String) node.server().call("INFO", "replication");
            return info.contains("role:slave") && info.contains("master_link_status:up");
        });
    }

    private Optional<Integer> masterPort() {
        List<?> address = (List<?>) sentinels.get(0).call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return address == null ? Optional.empty() : Optional.of(Integer.parseInt((String) address.get(1)));
    }

    /** Polls {@code condition} until it holds; throws when {@code timeout} passes first. */
    private void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // A node that is restarting does not answer yet.
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("gave up waiting for " + what + " after " + timeout);
            }
            Pacing.pause(POLL);
        }
    }

    @Override
    public void close() {
        try {
            Cleanup.each(sentinels, RedisServer::close);
        } finally {
            Cleanup.each(data, KitRedis::close);
        }
    }
}
