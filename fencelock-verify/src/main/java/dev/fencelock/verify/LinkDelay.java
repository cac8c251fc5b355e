package dev.fencelock.verify;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Makes one node's link slow and lossy with {@code tc netem} (40 ms ± 10 ms each way, 5% loss):
 * a degraded network rather than a cut one. Needs the kernel's netem queueing discipline.
 */
final class LinkDelay implements Nemesis {
    static final String KIND = "netem-delay";
    private static final Duration DELAY = Duration.ofMillis(40);
    private static final int LOSS_PERCENT = 5;

    private final List<IsolatedNode> nodes;
    private final Range durations;
    private final Optional<String> unavailable;

    LinkDelay(List<IsolatedNode> nodes, Range durations) {
        this.nodes = List.copyOf(nodes);
        this.durations = durations;
        this.unavailable = nodes.get(0).namespace().netemUnavailable();
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Optional<String> unavailable() {
        return unavailable;
    }

    @Override
    public Range durations() {
        return durations;
    }

    @Override
    public void inject(Duration duration, Random random, FaultLog log) {
        IsolatedNode target = nodes.get(random.nextInt(nodes.size()));
        log.start(KIND, "target=" + target.node().name() + " delay_ms=" + DELAY.toMillis() + " loss_percent=" + LOSS_PERCENT
                + " ms=" + duration.toMillis());
        target.namespace().degrade(DELAY, LOSS_PERCENT);
        try {
            Pacing.pause(duration);
        } finally {
            target.namespace().restore();
            log.end(KIND, "target=" + target.node().name());
        }
    }
}
