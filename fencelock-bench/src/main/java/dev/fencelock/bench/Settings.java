package dev.fencelock.bench;

import java.time.Duration;
import java.util.List;

/**
 * How long and how big a run is: {@link #FULL} for BENCHMARKS.md, {@link #QUICK} for a check that
 * finishes in about two and a half minutes, {@link #SMOKE} for the integration test (seconds).
 *
 * @param mode the name printed with the results
 * @param rounds rounds of scenarios 1–4 and 6–9; every system runs once per round, and each figure is
 *     the median over the rounds
 * @param measure how long one system runs in one round of scenarios 1–4, 8 and 9
 * @param threads threads of scenarios 2, 3 and 8
 * @param leaseSteps scenario 5: how many leases are held, and for how long renewals are counted
 * @param renewLease scenario 5: the lease of Fencelock and the watchdog timeout of Redisson, both
 *     renewed at a third of it
 * @param waiterSteps scenario 6: how many threads wait for one plain lock, in how many clients
 * @param fairSteps scenario 7: the same for the fair lock
 * @param readers scenario 9: threads that take the read lock in a loop while one writer measures its waits
 * @param writerCap scenario 9: how long the writer waits at most (a Redisson writer can wait without
 *     end behind a stream of readers); a wait cut off is counted as timed out and recorded at its length
 * @param clusterMasters scenario 13: the sizes of the clusters on which bus messages are counted
 * @param clusterReleases scenario 13: releases counted per system and cluster
 * @param handoffMasters scenario 13: the size of the cluster, one of {@code clusterMasters}, on which
 *     hand-offs are timed
 */
record Settings(String mode, int rounds, Duration measure, int threads, List<LeaseStep> leaseSteps,
        Duration renewLease, List<WaiterStep> waiterSteps, List<WaiterStep> fairSteps, int readers, Duration writerCap,
        List<Integer> clusterMasters, int clusterReleases, int handoffMasters) {

    /** Scenario 5: {@code leases} held while renewals are counted for {@code window}. */
    record LeaseStep(int leases, Duration window) {}

    /**
     * Scenarios 6 and 7: {@code waiters} threads wait for one lock, spread over {@code clients}
     * clients of the system (one client: the threads of one process; several: of several
     * processes), and each takes it {@code turns} times, queueing again after each release.
     */
    record WaiterStep(int waiters, int clients, int turns) {
        int handoffs() {
            return waiters * turns;
        }
    }

    /** Scenario 6 in every mode: the 1,000 waiters in one process, a few, and 1,000 over ten processes. */
    private static final List<WaiterStep> WAITERS =
            List.of(new WaiterStep(10, 1, 1), new WaiterStep(1_000, 1, 1), new WaiterStep(1_000, 10, 1));

    /**
     * Scenario 7: issue 13's 10 and 1,000 waiters over ten processes. Commands per hand-off are
     * judged where each waiter takes one turn, since a waiter that queues again after its turn adds
     * its arrival's commands to the count; ten waiters also take 100 turns each, so that their
     * hand-off p99 comes from 1,000 hand-offs, not ten.
     */
    private static final List<WaiterStep> FAIR_WAITERS =
            List.of(new WaiterStep(10, 10, 1), new WaiterStep(10, 10, 100), new WaiterStep(1_000, 10, 1));

    /** Scenario 7 in a quick run: 200 hand-offs of ten waiters are enough to see that the harness works. */
    private static final List<WaiterStep> QUICK_FAIR_WAITERS =
            List.of(new WaiterStep(10, 10, 1), new WaiterStep(10, 10, 20), new WaiterStep(1_000, 10, 1));

    static final Settings FULL = new Settings("full", 5, Duration.ofSeconds(4), 16,
            List.of(new LeaseStep(1_000, Duration.ofSeconds(30)), new LeaseStep(10_000, Duration.ofSeconds(60))),
            Duration.ofSeconds(30), WAITERS, FAIR_WAITERS, 8, Duration.ofSeconds(2), List.of(3, 6, 9), 2_000, 6);

    static final Settings QUICK = new Settings("quick", 3, Duration.ofMillis(500), 16,
            List.of(new LeaseStep(200, Duration.ofSeconds(2)), new LeaseStep(2_000, Duration.ofSeconds(2))),
            Duration.ofMillis(1_500), WAITERS, QUICK_FAIR_WAITERS, 8, Duration.ofSeconds(1), List.of(3, 6, 9), 400, 6);

    static final Settings SMOKE = new Settings("smoke", 1, Duration.ofMillis(100), 4,
            List.of(new LeaseStep(5, Duration.ofMillis(800)), new LeaseStep(50, Duration.ofMillis(800))),
            Duration.ofMillis(600), List.of(new WaiterStep(3, 1, 1), new WaiterStep(10, 2, 1)),
            List.of(new WaiterStep(3, 2, 1), new WaiterStep(3, 2, 3)), 2, Duration.ofMillis(300), List.of(3), 40, 3);
}
