package dev.fencelock.verify;

import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Freezes one Redis node with SIGSTOP and thaws it with SIGCONT: it keeps its connections and
 * answers nothing meanwhile, like a node in a long stall; its keys' deadlines pass while it is
 * frozen and it expires them when it wakes.
 */
final class NodePause implements Nemesis {
    static final String KIND = "node-pause";

    private final List<? extends FaultableRedis> nodes;
    private final Range durations;

    NodePause(List<? extends FaultableRedis> nodes, Range durations) {
        this.nodes = List.copyOf(nodes);
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
        FaultableRedis node = nodes.get(random.nextInt(nodes.size()));
        Nemesis.hold(log, KIND, node.name(), "", duration, node::pause, node::resume);
    }
}
