package dev.fencelock.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that the fair lock granted in arrival order, from what {@link FairQueueMonitor} saw on the
 * server: who joined the queue ({@code :fair-queue}) with which score — the server's {@code TIME}
 * at its first try — who was dropped from it as gone, and whom the lock was granted to, with which
 * token.
 *
 * <p>A grant is <b>out of order</b> when an acquisition that joined the queue earlier was still in
 * it, neither granted nor dropped: that breaks the fair lock's promise, and the scenario fails. A
 * grant that overtook a waiter that was dropped as gone (crashed, paused, named head and too slow
 * to claim) while it waited is in order; it is counted as a grant past a skipped waiter. A restart
 * empties the queue: everyone queued then loses their place, and the observer, which reconnects,
 * reads the queue afresh ({@code RESET}, then the queue's {@code JOIN}s with their scores). Grants
 * made while it was away are not seen; they are counted against the grants the clients recorded.
 * A waiter that gives up takes itself off the queue ({@code why=left}): that is no skip.
 */
final class FairOrder {
    static final String PROCESS = "queue";
    /** At most this many out-of-order grants are described. */
    private static final int MAX_EXAMPLES = 5;

    private final Map<String, Waiter> queue = new LinkedHashMap<>();
    private final Map<Long, String> ownerOfToken = new HashMap<>();
    /** Each owner token's first score, kept across drops and restarts: when the acquisition first reached the server. */
    private final Map<String, Long> firstArrival = new HashMap<>();
    private final List<String> examples = new ArrayList<>();
    private int grants;
    private int queuedGrants;
    private int outOfOrder;
    private int skipped;
    private int pastSkips;
    private int resets = -1;

    private static final class Waiter {
        final long score;
        /** Whether a waiter that arrived before it was dropped as gone while it waited. */
        boolean passedSkip;

        Waiter(long score) {
            this.score = score;
        }
    }

    private FairOrder() {}

    /**
     * One fair acquisition as its client recorded it, on the machine's monotonic clock.
     *
     * @param process the client
     * @param calledAt when it was called
     * @param calledWallMillis the wall clock then, to compare with the server's {@code TIME} on the same machine
     * @param grantedAt when it was granted, or -1
     * @param token its token, or -1
     * @param waitedUntil when it stopped waiting: granted, or given up ({@code Long.MAX_VALUE} if never)
     */
    record Call(String process, long calledAt, long calledWallMillis, long grantedAt, long token, long waitedUntil) {}

    /**
     * Replays the observer's events, in the order it saw them.
     *
     * @param events the {@code queue} process's events
     * @param calls the fair acquisitions the clients recorded
     * @param leaseOf the acquisition ({@code c3/17}) granted each token, for the examples
     */
    static Findings check(List<Event> events, List<Call> calls, Map<Long, String> leaseOf) {
        FairOrder order = new FairOrder();
        for (Event event : events) {
            switch (event.op()) {
                case RESET -> order.reset();
                case JOIN -> order.join(event.detail("owner"), event.value());
                case DROP -> order.drop(event.detail("owner"), "gone".equals(event.detail("why")));
                case GRANT -> order.grant(event.detail("owner"), event.token(), leaseOf);
                default -> throw new IllegalArgumentException("not a fair queue event: " + event.format());
            }
        }
        long unobserved = calls.stream().filter(call -> call.token() >= 0 && !order.ownerOfToken.containsKey(call.token())).count();
        return new Findings(!events.isEmpty(), order.grants, order.queuedGrants, order.outOfOrder, order.skipped, order.pastSkips,
                Math.max(order.resets, 0), (int) unobserved, outOfCallOrder(calls), order.callToQueue(calls), List.copyOf(order.examples));
    }

    /**
     * How long after its call each granted acquisition that queued first reached the server: the
     * call on the machine's wall clock, the arrival on the server's, which is the same machine's.
     */
    private Map<String, Double> callToQueue(List<Call> calls) {
        return Checker.percentiles(calls.stream().filter(call -> firstArrival.containsKey(ownerOfToken.get(call.token())))
                .mapToDouble(call -> firstArrival.get(ownerOfToken.get(call.token())) / 1000.0 - call.calledWallMillis()).toArray());
    }

    /**
     * Grants that went to an acquisition while another client's, called earlier, still waited:
     * the order of the calls, which the server cannot see. Reported, not judged: a call reaches the
     * server a little after it is made (later still when its client is frozen in between), and
     * skips and restarts reorder the queue; the server's order is what {@link #check} judges.
     */
    private static int outOfCallOrder(List<Call> calls) {
        int count = 0;
        for (Call granted : calls) {
            if (granted.grantedAt() < 0) {
                continue;
            }
            boolean overtook = calls.stream().anyMatch(other -> !other.process().equals(granted.process())
                    && other.calledAt() < granted.calledAt() && other.waitedUntil() > granted.grantedAt());
            count += overtook ? 1 : 0;
        }
        return count;
    }

    /** The observer (re)connected: the queue as it found it follows. The first is the start, not a restart. */
    private void reset() {
        queue.clear();
        resets++;
    }

    private void join(String owner, long score) {
        // A waiter's later tries add it again with NX: its place stays.
        queue.putIfAbsent(owner, new Waiter(score));
        firstArrival.putIfAbsent(owner, score);
    }

    private void drop(String owner, boolean gone) {
        Waiter dropped = queue.remove(owner);
        if (dropped == null || !gone) {
            return;
        }
        skipped++;
        queue.values().stream().filter(waiter -> waiter.score > dropped.score).forEach(waiter -> waiter.passedSkip = true);
    }

    private void grant(String owner, long token, Map<Long, String> leaseOf) {
        grants++;
        ownerOfToken.put(token, owner);
        Waiter granted = queue.remove(owner);
        if (granted != null) {
            queuedGrants++;
            pastSkips += granted.passedSkip ? 1 : 0;
        }
        // Granted at its first try, it was in no queue: then the queue had to be empty.
        List<Waiter> overtaken = queue.values().stream().filter(waiter -> granted == null || waiter.score < granted.score).toList();
        if (!overtaken.isEmpty()) {
            outOfOrder++;
            if (examples.size() < MAX_EXAMPLES) {
                examples.add(leaseOf.getOrDefault(token, "owner " + owner) + " (token " + token + ", "
                        + (granted == null ? "not queued" : "queued at " + granted.score) + ") was granted the fair lock while "
                        + overtaken.size() + " acquisitions that joined the queue earlier waited, the first at " + overtaken.get(0).score);
            }
        }
    }

    /**
     * What the fair queue showed.
     *
     * @param observed whether the queue was observed at all (a fair lock scenario)
     * @param grants grants the observer saw
     * @param queuedGrants of those, grants to an acquisition that had waited in the queue
     * @param outOfOrderGrants grants while an acquisition that joined earlier still waited: must be 0
     * @param skippedWaiters waiters dropped from the queue as gone
     * @param grantsPastSkippedWaiters grants to a waiter that overtook a skipped one while it waited
     * @param queueResets restarts that emptied the queue (the observer reconnected)
     * @param grantsUnobserved grants the clients recorded that the observer did not see (around a restart)
     * @param grantsOutOfCallOrder grants while another client's acquisition, called earlier, still waited (reported)
     * @param callToQueueMillis from the call to the first arrival in the queue, of granted acquisitions that queued:
     *     p50, p90, p99, max
     * @param examples out-of-order grants, described
     */
    record Findings(boolean observed, int grants, int queuedGrants, int outOfOrderGrants, int skippedWaiters,
            int grantsPastSkippedWaiters, int queueResets, int grantsUnobserved, int grantsOutOfCallOrder,
            Map<String, Double> callToQueueMillis, List<String> examples) {

        static final Findings NONE = new Findings(false, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), List.of());
    }
}
