package dev.fencelock.verify;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * Kills the Sentinel group's master with SIGKILL, waits for the sentinels to promote the replica,
 * keeps the old master down for the fault's duration, restarts it (empty: no persistence) and
 * waits until it has become the new master's replica, so that the next failover can happen.
 * Replication is asynchronous: a lock key granted just before the kill may not have reached the
 * replica, and such a lease is lost in the failover.
 */
final class MasterFailover implements Nemesis {
    static final String KIND = "failover";
    private static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

    private final SentinelGroup group;
    private final Range downtimes;

    MasterFailover(SentinelGroup group, Range downtimes) {
        this.group = group;
        this.downtimes = downtimes;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Range durations() {
        return downtimes;
    }

    @Override
    public void inject(Duration duration, Random random, FaultLog log) {
        KitRedis master = group.currentMaster();
        log.start(KIND, "target=" + master.name() + " down_ms=" + duration.toMillis());
        long killedAt = System.nanoTime();
        master.kill();
        Optional<KitRedis> promoted = group.awaitPromotion(master, PROMOTION_TIMEOUT);
        long promotionMillis = (System.nanoTime() - killedAt) / 1_000_000;
        if (promoted.isEmpty()) {
            log.error("no replica was promoted within " + PROMOTION_TIMEOUT + " after " + master.name() + " was killed");
        }
        Pacing.until(killedAt + duration.toNanos());
        master.restart();
        try {
            promoted.ifPresent(newMaster -> group.follow(master, newMaster));
            group.awaitSynced(master, SYNC_TIMEOUT);
        } catch (IllegalStateException e) {
            log.error(e.getMessage());
        }
        log.end(KIND, "target=" + master.name() + " promoted=" + promoted.map(KitRedis::name).orElse("none")
                + " promotion_ms=" + promotionMillis);
    }
}
