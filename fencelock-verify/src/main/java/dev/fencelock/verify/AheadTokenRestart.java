package dev.fencelock.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * A fencing token minted from a clock running ahead, then lost by the masters that hold it: the
 * case in which Redlock's tokens go backwards if a token is written back only to the masters that
 * granted it. On five masters, n0 on the fake clock, one fault goes:
 *
 * <ol>
 *   <li>a competing client (a foreign owner, as a distlock-spec client on the same key would be)
 *       takes the lock on two masters, c and d, so that the clients' next grant comes from exactly
 *       the three others: n0, a and b;
 *   <li>n0's clock jumps ahead of every token and clock so far, and the nemesis waits until a token
 *       minted from it has been written back to a and b: their fence counters pass a mark that no
 *       true clock reaches before the wait ends;
 *   <li>b is frozen (SIGSTOP: it keeps its data and grants nothing), n0 and a are killed, the
 *       competitor lets go of c and d, and n0's clock is corrected while it is down; n0 and a come
 *       back empty;
 *   <li>the clients take the lock on n0, a, c and d until {@code duration} after the kills, when b
 *       is thawed.
 * </ol>
 *
 * Two masters lose their data, three keep it. If the ahead token was written back to c and d too —
 * to every master the acquisition reached, not only to those that granted it — the grants on n0,
 * a, c and d exceed it; if not, their tokens come from true clocks and from c's and d's older
 * counters: they go backwards, a fenced resource refuses the new holders, and the checker counts a
 * breach of token order. A step that does not happen in time (the competitor never holds both
 * masters; no grant comes from n0's clock) ends the fault before the kills, and its end says why.
 */
final class AheadTokenRestart implements Nemesis {
    static final String KIND = "ahead-token-restart";
    /**
     * How long the competitor tries to take the lock on its two masters, against the clients: longer
     * than a client's long hold (3 leases of 1 s), so that it outwaits one.
     */
    private static final Duration COMPETITOR_WAIT = Duration.ofSeconds(4);
    /**
     * How often it tries: a master is free only for the moment between a release and the next
     * client's acquire, which a woken waiter sends at once.
     */
    private static final Duration COMPETITOR_POLL = Duration.ofNanos(500_000);
    /** Longer than the competitor ever holds: its keys expire on their own if the harness dies. */
    private static final Duration COMPETITOR_TTL = Duration.ofSeconds(15);
    /** How often the fence counters are read while waiting for the ahead token. */
    private static final Duration POLL = Duration.ofMillis(2);

    private final FakeClock clock;
    private final FaultableRedis skewed;
    private final List<FaultableRedis> others;
    private final Range leads;
    private final Range downtimes;
    private final Range durations;

    /**
     * @param clock the fake clock {@code nodes.get(0)} runs on
     * @param nodes five masters without persistence, the first on {@code clock}
     * @param leads how far n0's clock runs ahead of every token and clock so far (whole seconds)
     * @param downtimes how long n0 and a stay down
     * @param durations how long b stays frozen, from the kills
     */
    AheadTokenRestart(FakeClock clock, List<FaultableRedis> nodes, Range leads, Range downtimes, Range durations) {
        if (nodes.size() != 5) {
            throw new IllegalArgumentException("nodes must be the 5 masters, was " + nodes.size());
        }
        if (nodes.stream().anyMatch(FaultableRedis::isAppendOnly)) {
            throw new IllegalArgumentException("nodes must run without persistence: " + nodes);
        }
        this.clock = clock;
        this.skewed = nodes.get(0);
        this.others = List.copyOf(nodes.subList(1, 5));
        this.leads = leads;
        this.downtimes = downtimes;
        this.durations = durations;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** How long b stays frozen from the kills: the downtime, then the grants on n0, a, c and d. */
    @Override
    public Range durations() {
        return durations;
    }

    @Override
    public void inject(Duration duration, Random random, FaultLog log) {
        List<FaultableRedis> shuffled = new ArrayList<>(others);
        Collections.shuffle(shuffled, random);
        FaultableRedis a = shuffled.get(0);
        FaultableRedis b = shuffled.get(1);
        List<FaultableRedis> competed = shuffled.subList(2, 4);
        Duration lead = Duration.ofSeconds(Math.max(1, Math.round(leads.pick(random).toMillis() / 1000.0)));
        Duration down = downtimes.pick(random);
        String competitor = String.format(Locale.ROOT, "%016x%016x", random.nextLong(), random.nextLong());
        log.start(KIND, "target=" + skewed.name() + " granting=" + names(List.of(skewed, a, b)) + " competitor_on=" + names(competed)
                + " lead_s=" + lead.toSeconds() + " down_ms=" + down.toMillis() + " ms=" + duration.toMillis());
        List<FaultableRedis> held = new ArrayList<>();
        String outcome = "completed=no reason=failed";
        try {
            outcome = inject(a, b, competed, competitor, held, lead, down, duration, log);
        } finally {
            try {
                letGo(held, competitor);
            } finally {
                clock.reset();
                log.end(KIND, "target=" + skewed.name() + " " + outcome);
            }
        }
    }

    private String inject(FaultableRedis a, FaultableRedis b, List<FaultableRedis> competed, String competitor,
            List<FaultableRedis> held, Duration lead, Duration down, Duration duration, FaultLog log) {
        if (!takeLock(competed, competitor, held)) {
            return "completed=no reason=competitor_not_on_both competitor_held=" + (held.isEmpty() ? "none" : names(held));
        }
        // Ahead of every token and clock so far by the lead, so that a token from this clock stands out.
        long now = skewed.serverTimeMicros();
        long base = Math.max(now, largestCounter());
        Duration ahead = Duration.ofSeconds((base - now + 999_999) / 1_000_000).plus(lead);
        long mark = base + lead.toNanos() / 1000 / 2;
        // a's and b's own tokens, from their true clocks, stay under the mark until then.
        long deadline = System.nanoTime() + lead.toNanos() / 2;
        ClockSkew.jump(clock, skewed, ahead, log);
        if (!awaitCounters(List.of(a, b), mark, deadline)) {
            return "completed=no reason=no_grant_from_the_ahead_clock waited_ms=" + lead.toMillis() / 2;
        }
        // Which masters the ahead token reached: a and b, and c and d if it was written back to them too.
        String counters = others.stream().map(node -> "fence_" + node.name() + "=" + counter(node)).collect(Collectors.joining(" "));

        long frozenAt = System.nanoTime();
        log.start(NodePause.KIND, "target=" + b.name() + " ms=" + duration.toMillis());
        b.pause();
        try {
            List<FaultableRedis> killed = new ArrayList<>();
            try {
                for (FaultableRedis node : List.of(skewed, a)) {
                    NodeKill.kill(node, down, log);
                    killed.add(node);
                }
                letGo(held, competitor);
                // Corrected while it is down: n0 comes back empty, on a true clock.
                clock.reset();
                Pacing.pause(down);
            } finally {
                killed.forEach(node -> NodeKill.restart(node, log));
            }
            Pacing.until(frozenAt + duration.toNanos());
        } finally {
            b.resume();
            log.end(NodePause.KIND, "target=" + b.name());
        }
        return "completed=yes mark=" + mark + " " + counters;
    }

    /** Takes the lock on {@code nodes} for the competitor, one by one as each is free; whether it got all. */
    private static boolean takeLock(List<FaultableRedis> nodes, String competitor, List<FaultableRedis> held) {
        long deadline = System.nanoTime() + COMPETITOR_WAIT.toNanos();
        while (held.size() < nodes.size() && System.nanoTime() - deadline < 0) {
            for (FaultableRedis node : nodes) {
                if (!held.contains(node) && node.setIfAbsent(NodeKill.LOCK_KEY, competitor, COMPETITOR_TTL)) {
                    held.add(node);
                }
            }
            Pacing.pause(COMPETITOR_POLL);
        }
        return held.size() == nodes.size();
    }

    /** The competitor releases what it holds; a node where its key is gone already is let go all the same. */
    private static void letGo(List<FaultableRedis> held, String competitor) {
        try {
            Cleanup.each(held, node -> node.deleteIfEquals(NodeKill.LOCK_KEY, competitor));
        } finally {
            held.clear();
        }
    }

    /** Waits until every node's fence counter reaches {@code mark}; false if the deadline passes first. */
    private static boolean awaitCounters(List<FaultableRedis> nodes, long mark, long deadline) {
        while (System.nanoTime() - deadline < 0) {
            if (nodes.stream().allMatch(node -> counter(node) >= mark)) {
                return true;
            }
            Pacing.pause(POLL);
        }
        return false;
    }

    private long largestCounter() {
        long largest = counter(skewed);
        for (FaultableRedis node : others) {
            largest = Math.max(largest, counter(node));
        }
        return largest;
    }

    /** The node's fence counter, 0 when it has none. */
    private static long counter(FaultableRedis node) {
        String counter = node.get(NodeKill.FENCE_KEY);
        return counter == null ? 0 : Long.parseLong(counter);
    }

    private static String names(List<FaultableRedis> nodes) {
        return nodes.stream().map(FaultableRedis::name).collect(Collectors.joining(","));
    }
}
