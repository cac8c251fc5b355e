package dev.fencelock.zookeeper;

import java.time.Duration;

/**
 * How long a lease is trusted after the send of a call that passed the leader (a write or a sync,
 * see {@link Calls}): two thirds of the session timeout. The leader expires a session that it has
 * not heard from for the whole timeout; it found the session alive when the call came, and the
 * member that the client talks to passes the session's touches on to it with its next heartbeat.
 * The third held back covers the touches that a member cut off just then never passed on (the
 * client touches its session at least every third of the timeout) — the same two thirds after
 * which ZooKeeper's own client gives a silent connection up. A read proves nothing of the kind: a
 * member cut off from the leader answers reads for a while, and the leader may expire the session meanwhile.
 */
final class SessionBound {
    private SessionBound() {}

    static Duration of(Duration sessionTimeout) {
        // In nanoseconds: Duration.multipliedBy and dividedBy go through BigDecimal, and this runs
        // at every answered call.
        return Duration.ofNanos(sessionTimeout.toNanos() * 2 / 3);
    }
}
