package dev.fencelock.verify;

import dev.fencelock.testkit.ZooKeeperEnsemble;
import dev.fencelock.testkit.ZooKeeperServer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A ZooKeeper ensemble of three members, each a JVM of its own from the test kit, that the
 * clients lock on; with a member in a network namespace of its own when the scenario partitions
 * it, which it then also owns. Its one lock URI is {@value #SCHEME} and the connect string.
 */
final class ZooKeeperTopology implements Topology {
    /** What a lock URI of a ZooKeeper ensemble starts with; {@link VerifyClient} connects to such a URI with ZooKeeperLocks. */
    static final String SCHEME = "zookeeper://";
    static final int MEMBERS = 3;

    private final ZooKeeperEnsemble ensemble;
    private final Optional<IsolatedNetwork> network;

    private ZooKeeperTopology(ZooKeeperEnsemble ensemble, Optional<IsolatedNetwork> network) {
        this.ensemble = ensemble;
        this.network = network;
    }

    /** Three members on 127.0.0.1. */
    static ZooKeeperTopology start() {
        return new ZooKeeperTopology(ZooKeeperEnsemble.start(MEMBERS), Optional.empty());
    }

    /**
     * Three members, the last in {@code network}'s only namespace: the others listen on the host's
     * end of its link, the one address that all three and the clients reach.
     */
    static ZooKeeperTopology startWithIsolated(IsolatedNetwork network) {
        NetworkNamespace namespace = network.namespaces().get(0);
        ZooKeeperEnsemble.Builder builder = ZooKeeperEnsemble.builder().members(MEMBERS);
        for (int id = 1; id < MEMBERS; id++) {
            builder.place(id, namespace.hostAddress(), List.of());
        }
        builder.place(MEMBERS, namespace.address(), namespace.execPrefix());
        return new ZooKeeperTopology(builder.start(), Optional.of(network));
    }

    /**
     * The session of each client: four times its lease (4 s for the harness's 1 s), within the 1 to
     * 10 s the kit's ensemble grants. A lease is trusted for two thirds of the session, so the
     * session never cuts it short; and ZooKeeper's client gives a connection up after two thirds
     * of the session without an answer, which on a machine as loaded as the shared one (load
     * averages of 20 to 30 on 2 cores) a 2 s session did every few seconds, before any fault.
     */
    static Duration sessionTimeout(Duration lease) {
        return lease.multipliedBy(4);
    }

    ZooKeeperEnsemble ensemble() {
        return ensemble;
    }

    /** The member in a namespace of its own, when there is one. */
    Optional<ZooKeeperServer> isolatedMember() {
        return network.map(n -> ensemble.member(MEMBERS));
    }

    Optional<NetworkNamespace> namespace() {
        return network.map(n -> n.namespaces().get(0));
    }

    @Override
    public String describe() {
        return "ZooKeeper ensemble of " + MEMBERS + " members, one JVM each: "
                + ensemble.members().stream().map(ZooKeeperServer::toString).collect(Collectors.joining("; "))
                + isolatedMember().map(member -> " (member " + member.id() + " in " + namespace().orElseThrow() + ")").orElse("");
    }

    @Override
    public List<String> lockUris() {
        return List.of(SCHEME + ensemble.connectString());
    }

    @Override
    public void close() {
        try {
            ensemble.close();
        } finally {
            network.ifPresent(IsolatedNetwork::close);
        }
    }
}
