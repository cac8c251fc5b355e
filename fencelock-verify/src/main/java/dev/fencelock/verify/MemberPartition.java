package dev.fencelock.verify;

import dev.fencelock.testkit.ZooKeeperEnsemble;
import dev.fencelock.testkit.ZooKeeperServer;
import java.time.Duration;
import java.util.Random;

/**
 * Cuts the ZooKeeper member that runs in a network namespace of its own off the network: its
 * peers and its clients hear nothing from it, nor it from them, until the link is restored. A
 * cut-off leader loses its quorum and steps down, and the other two elect a new one; a cut-off
 * follower's clients move to the others; a client whose session lapses meanwhile loses its leases.
 * After healing, waits until the member serves again, so the next cut meets a whole ensemble.
 */
final class MemberPartition implements Nemesis {
    static final String KIND = "member-partition";
    private static final Duration REJOIN = Duration.ofSeconds(30);

    private final ZooKeeperEnsemble ensemble;
    private final ZooKeeperServer member;
    private final NetworkNamespace namespace;
    private final Range durations;

    MemberPartition(ZooKeeperEnsemble ensemble, ZooKeeperServer member, NetworkNamespace namespace, Range durations) {
        this.ensemble = ensemble;
        this.member = member;
        this.namespace = namespace;
        this.durations = durations;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Range durations() {
        return durations;
    }

    @Override
    public void inject(Duration duration, Random random, FaultLog log) {
        String role = ensemble.leader() == member ? "leader" : "follower";
        Nemesis.hold(log, KIND, "zk" + member.id(), " role=" + role, duration, namespace::partition, namespace::heal);
        try {
            ensemble.awaitQuorum(REJOIN);
        } catch (IllegalStateException e) {
            log.error("zk" + member.id() + " did not rejoin within " + REJOIN.toSeconds() + " s: " + e.getMessage());
        }
    }
}
