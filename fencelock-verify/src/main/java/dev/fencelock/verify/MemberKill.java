package dev.fencelock.verify;

import dev.fencelock.testkit.ZooKeeperEnsemble;
import dev.fencelock.testkit.ZooKeeperServer;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Kills a ZooKeeper member with SIGKILL, as a crash, keeps it down, and restarts it with its data:
 * a member picked at random ({@link #KIND}), or whichever leads just then ({@link #KIND_LEADER}),
 * which makes the other two elect a new leader while the clients' sessions move to them. The
 * restart waits until the member serves again, so the next fault meets a whole ensemble.
 */
final class MemberKill implements Nemesis {
    static final String KIND = "member-kill";
    static final String KIND_LEADER = "leader-kill";

    private final ZooKeeperEnsemble ensemble;
    private final boolean leader;
    private final Range downtimes;

    private MemberKill(ZooKeeperEnsemble ensemble, boolean leader, Range downtimes) {
        this.ensemble = ensemble;
        this.leader = leader;
        this.downtimes = downtimes;
    }

    /** Kills a member picked at random, leader or follower. */
    static MemberKill anyMember(ZooKeeperEnsemble ensemble, Range downtimes) {
        return new MemberKill(ensemble, false, downtimes);
    }

    /** Kills the leader of the moment. */
    static MemberKill leader(ZooKeeperEnsemble ensemble, Range downtimes) {
        return new MemberKill(ensemble, true, downtimes);
    }

    @Override
    public String kind() {
        return leader ? KIND_LEADER : KIND;
    }

    @Override
    public Range durations() {
        return downtimes;
    }

    @Override
    public void inject(Duration duration, Random random, FaultLog log) {
        ZooKeeperServer current = ensemble.leader();
        List<ZooKeeperServer> members = ensemble.members();
        ZooKeeperServer target = leader ? current : members.get(random.nextInt(members.size()));
        log.start(kind(), "target=zk" + target.id() + " role=" + (target == current ? "leader" : "follower")
                + " down_ms=" + duration.toMillis());
        target.kill();
        try {
            Pacing.pause(duration);
        } finally {
            try {
                target.restart();
                log.end(kind(), "target=zk" + target.id() + " leader_after=zk" + ensemble.leader().id());
            } catch (RuntimeException e) {
                log.error("zk" + target.id() + " did not restart: " + e.getMessage());
                log.end(kind(), "target=zk" + target.id() + " restarted=no");
            }
        }
    }
}
