package dev.fencelock.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The schedule of one scenario's faults, drawn from its seed before the run: when each starts
 * (from the opening of the window), which nemesis, for how long, and the seed of its own choices
 * (whom it hits). Faults do not overlap: each starts after the previous one is planned to end.
 *
 * @param faults the faults, in order
 */
record FaultPlan(List<Fault> faults) {

    /**
     * One planned fault.
     *
     * @param at when it starts, from the opening of the measurement window
     * @param nemesis index into the scenario's available nemeses
     * @param duration how long it lasts
     * @param seed the seed of the nemesis's choices
     */
    record Fault(Duration at, int nemesis, Duration duration, long seed) {}

    FaultPlan {
        faults = List.copyOf(faults);
    }

    /** Draws a plan over {@code window}, with {@code gaps} of quiet between faults. */
    static FaultPlan draw(long seed, List<Nemesis> nemeses, Duration window, Range gaps) {
        Random random = new Random(seed);
        List<Fault> faults = new ArrayList<>();
        if (nemeses.isEmpty()) {
            return new FaultPlan(faults);
        }
        Duration at = Duration.ZERO;
        while (true) {
            at = at.plus(gaps.pick(random));
            if (at.compareTo(window) >= 0) {
                return new FaultPlan(faults);
            }
            int nemesis = random.nextInt(nemeses.size());
            Duration duration = nemeses.get(nemesis).durations().pick(random);
            faults.add(new Fault(at, nemesis, duration, random.nextLong()));
            at = at.plus(duration);
        }
    }
}
