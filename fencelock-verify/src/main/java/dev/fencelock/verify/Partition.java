package dev.fencelock.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Cuts one or more nodes off the network for a while: each node's namespace loses its link, so
 * requests and replies are dropped silently, as on a partition, and the node itself runs on.
 */
final class Partition implements Nemesis {
    static final String KIND = "partition";

    private final List<IsolatedNode> nodes;
    private final Range durations;

    Partition(List<IsolatedNode> nodes, Range durations) {
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
        List<IsolatedNode> targets = new ArrayList<>(nodes);
        Collections.shuffle(targets, random);
        targets = targets.subList(0, 1 + random.nextInt(targets.size()));
        String names = targets.stream().map(target -> target.node().name()).collect(Collectors.joining(","));
        log.start(KIND, "targets=" + names + " ms=" + duration.toMillis());
        List<IsolatedNode> cut = new ArrayList<>();
        try {
            for (IsolatedNode target : targets) {
                target.namespace().partition();
                cut.add(target);
            }
            Pacing.pause(duration);
        } finally {
            Cleanup.each(cut, target -> target.namespace().heal());
            log.end(KIND, "targets=" + names);
        }
    }
}
