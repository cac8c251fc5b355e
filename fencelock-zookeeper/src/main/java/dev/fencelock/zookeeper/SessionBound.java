package dev.fencelock.zookeeper;

import java.time.Duration;

/**
 * How long a lease is trusted after the send of a call that ZooKeeper answered: two thirds of the
 * session timeout. The ensemble expires a session that it has not heard from for the whole
 * timeout, counted from when it last heard, which is after that send; the third held back covers
 * what a member that answers reads may not yet have passed on to the leader (the touches of a
 * session reach the leader with the member's next heartbeat) — the same two thirds after which
 * ZooKeeper's own client gives a silent connection up.
 */
final class SessionBound {
    private SessionBound() {}

    static Duration of(Duration sessionTimeout) {
        // In nanoseconds: Duration.multipliedBy and dividedBy go through BigDecimal, and this runs
        // at every answered call.
        return Duration.ofNanos(sessionTimeout.toNanos() * 2 / 3);
    }
}
