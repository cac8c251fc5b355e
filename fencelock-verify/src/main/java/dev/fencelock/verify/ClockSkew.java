package dev.fencelock.verify;

import java.time.Duration;
import java.util.Random;

/**
 * Moves one Redis node's wall clock forward by whole seconds — a clock running fast, or an NTP
 * step: the node expires its keys early, so a lock it granted can be granted again by it while
 * the first holder still counts on it. That is the assumption Redlock makes about clocks, broken
 * on one master of five. Jumps add up; the clock never goes back.
 */
final class ClockSkew implements Nemesis {
    static final String KIND = "clock-skew";

    private final FakeClock clock;
    private final FaultableRedis node;
    private final Range jumps;

    ClockSkew(FakeClock clock, FaultableRedis node, Range jumps) {
        this.clock = clock;
        this.node = node;
        this.jumps = jumps;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** How far each jump goes; the plan also leaves this long before the next fault. */
    @Override
    public Range durations() {
        return jumps;
    }

    @Override
    public void inject(Duration duration, Random random, FaultLog log) {
        jump(clock, node, Duration.ofSeconds(Math.max(1, Math.round(duration.toMillis() / 1000.0))), log);
    }

    /** Moves {@code node}'s clock forward by whole seconds, logged as a clock-skew fault. */
    static void jump(FakeClock clock, FaultableRedis node, Duration jump, FaultLog log) {
        log.start(KIND, "target=" + node.name() + " jump_s=" + jump.toSeconds());
        clock.jump(jump);
        log.end(KIND, "target=" + node.name() + " offset_s=" + clock.offsetSeconds()
                + " server_time_us=" + node.serverTimeMicros());
    }
}
