package dev.fencelock.verify;

import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the fault plan left a lock client: the spans of the window in which fewer than a majority of
 * the masters were up, taken from the nemesis's own record of its faults. A master is down from the
 * logged start of a fault that takes it away (a kill, a freeze, a partition) to the logged end of
 * that fault; clock jumps and client pauses take no master away. While no majority is up, no
 * Redlock client can hold the lock, so availability is also reported within the rest of the
 * window: it separates what the client costs from what the plan allows.
 */
final class MajorityTime {
    /** The faults that take a master away until they end. */
    private static final Set<String> DOWN_KINDS =
            Set.of(NodeKill.KIND_APPEND_ONLY, NodeKill.KIND_NO_PERSISTENCE, NodePause.KIND, Partition.KIND);

    private MajorityTime() {}

    /**
     * The availability of the lock set against the majority's time.
     *
     * @param measured whether the topology has masters whose faults were counted (not for Sentinel or ZooKeeper)
     * @param majorityShare the share of the window in which a majority of the masters was up
     * @param availabilityWithMajority the share of that time in which some client held the lock; 0 when there was none
     */
    record Figures(boolean measured, double majorityShare, double availabilityWithMajority) {
        static final Figures NONE = new Figures(false, 0, 0);
    }

    /**
     * The spans, {from, to} in monotonic nanoseconds, sorted and disjoint and within
     * [{@code from}, {@code to}], in which fewer than a majority of {@code masters} were up.
     */
    static List<long[]> withoutMajority(List<Event> history, List<String> masters, long from, long to) {
        int quorum = masters.size() / 2 + 1;
        // A count per master, not a flag: one master may be hit by two faults that overlap.
        Map<String, Integer> faultsOn = new HashMap<>();
        int down = 0;
        long lostAt = -1;
        List<long[]> spans = new ArrayList<>();
        for (Event event : history) {
            if (event.op() != Op.FAULT || !DOWN_KINDS.contains(event.detail("kind"))
                    || (event.type() != Type.START && event.type() != Type.END)) {
                continue;
            }
            int change = event.type() == Type.START ? 1 : -1;
            for (String target : targetsOf(event)) {
                if (!masters.contains(target)) {
                    continue;
                }
                int before = faultsOn.getOrDefault(target, 0);
                int after = Math.max(0, before + change);
                faultsOn.put(target, after);
                down += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
            }
            boolean majorityUp = masters.size() - down >= quorum;
            if (!majorityUp && lostAt < 0) {
                lostAt = event.mono();
            } else if (majorityUp && lostAt >= 0) {
                addClipped(spans, lostAt, event.mono(), from, to);
                lostAt = -1;
            }
        }
        if (lostAt >= 0) {
            addClipped(spans, lostAt, to, from, to);
        }
        return spans;
    }

    /**
     * The figures of a window [{@code from}, {@code to}] in which the lock was held in {@code held}
     * and no majority was up in {@code withoutMajority}, both sorted and disjoint.
     */
    static Figures figures(List<long[]> held, List<long[]> withoutMajority, long from, long to) {
        long window = to - from;
        if (window <= 0) {
            return new Figures(true, 0, 0);
        }
        long majorityTime = window - length(withoutMajority);
        long heldWithMajority = length(held) - overlap(held, withoutMajority);
        return new Figures(true, (double) majorityTime / window, majorityTime > 0 ? (double) heldWithMajority / majorityTime : 0);
    }

    /** The total length of sorted, disjoint spans. */
    static long length(List<long[]> spans) {
        return spans.stream().mapToLong(span -> span[1] - span[0]).sum();
    }

    /** The time two lists of sorted, disjoint spans share. */
    static long overlap(List<long[]> a, List<long[]> b) {
        long shared = 0;
        int i = 0;
        int j = 0;
        while (i < a.size() && j < b.size()) {
            long start = Math.max(a.get(i)[0], b.get(j)[0]);
            long end = Math.min(a.get(i)[1], b.get(j)[1]);
            shared += Math.max(0, end - start);
            if (a.get(i)[1] < b.get(j)[1]) {
                i++;
            } else {
                j++;
            }
        }
        return shared;
    }

    /** A kill or a freeze names its {@code target}, a partition its {@code targets}, comma-separated. */
    private static List<String> targetsOf(Event event) {
        String targets = event.detail("targets");
        if (targets != null) {
            return List.of(targets.split(","));
        }
        String target = event.detail("target");
        return target == null ? List.of() : List.of(target);
    }

    private static void addClipped(List<long[]> spans, long start, long end, long from, long to) {
        long clippedStart = Math.max(start, from);
        long clippedEnd = Math.min(end, to);
        if (clippedEnd > clippedStart) {
            spans.add(new long[] {clippedStart, clippedEnd});
        }
    }
}
