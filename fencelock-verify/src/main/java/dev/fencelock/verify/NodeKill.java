package dev.fencelock.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Kills Redis nodes with SIGKILL, as a crash, keeps them down, and restarts them on the same port
 * and directory. A node without persistence comes back empty — its lock keys and its fence counter
 * gone; an append-only node ({@code appendfsync always}) comes back with them. Right after the
 * restart, the fence counter and the server's clock are recorded, to show what the next token is
 * seeded from.
 */
final class NodeKill implements Nemesis {
    static final String KIND = "kill-restart";
    static final String KIND_APPEND_ONLY = "kill-restart-aof";
    static final String KIND_NO_PERSISTENCE = "kill-restart-no-aof";
    /** The lock's key: fencelock:{name}, as README's key layout says. */
    static final String LOCK_KEY = "fencelock:{" + VerifyClient.LOCK_NAME + "}";
    /** The lock's fence counter: fencelock:{name}:fence. */
    static final String FENCE_KEY = LOCK_KEY + ":fence";

    private final List<? extends FaultableRedis> nodes;
    private final int atOnce;
    private final Range downtimes;

    NodeKill(List<? extends FaultableRedis> nodes, int atOnce, Range downtimes) {
        if (atOnce < 1 || atOnce > nodes.size()) {
            throw new IllegalArgumentException("atOnce must be between 1 and " + nodes.size() + ", was " + atOnce);
        }
        this.nodes = List.copyOf(nodes);
        this.atOnce = atOnce;
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
        List<FaultableRedis> targets = new ArrayList<>(nodes);
        Collections.shuffle(targets, random);
        targets = targets.subList(0, atOnce);
        for (FaultableRedis node : targets) {
            kill(node, duration, log);
        }
        Pacing.pause(duration);
        for (FaultableRedis node : targets) {
            restart(node, log);
        }
    }

    /** SIGKILL, logged as the start of a kill-restart of the node's kind, to be down for {@code down}. */
    static void kill(FaultableRedis node, Duration down, FaultLog log) {
        log.start(kindOf(node), "target=" + node.name() + " down_ms=" + down.toMillis());
        node.kill();
    }

    /**
     * Restarts a node that {@link #kill} killed, and logs the end of the fault with what the node's
     * fence counter and clock are right after it; a node that does not come back is a harness error.
     */
    static void restart(FaultableRedis node, FaultLog log) {
        try {
            node.restart();
            String counter = node.get(FENCE_KEY);
            log.end(kindOf(node), "target=" + node.name() + " counter_after_restart=" + (counter == null ? "nil" : counter)
                    + " server_time_us=" + node.serverTimeMicros());
        } catch (RuntimeException e) {
            log.error(node.name() + " did not restart: " + e.getMessage());
            log.end(kindOf(node), "target=" + node.name() + " restarted=no");
        }
    }

    private static String kindOf(FaultableRedis node) {
        return node.isAppendOnly() ? KIND_APPEND_ONLY : KIND_NO_PERSISTENCE;
    }
}
