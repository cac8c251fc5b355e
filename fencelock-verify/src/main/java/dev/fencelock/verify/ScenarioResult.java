package dev.fencelock.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The outcome of one scenario: what ran, which faults were injected and which this machine could
 * not produce, and what the {@link Checker} found.
 *
 * @param scenario the scenario
 * @param seed the run's seed (with the scenario's name, it fixes the fault plan and hold times)
 * @param mode {@code short} or {@code long}
 * @param topology what the clients locked on
 * @param clients how many client processes
 * @param seconds how long the measurement window was
 * @param phases how long each part of the run took, in seconds: setup, clients_ready, window, stop
 * @param resources per resource: {@code checked}, or why it was not
 * @param faults faults injected, per kind
 * @param skippedFaults faults this machine could not produce, with the reason
 * @param errors what the harness itself could not do (fails the run)
 * @param findings what the checker found
 * @param excerpts the history lines of the acquisitions involved in each violation
 * @param directory where the histories are
 */
record ScenarioResult(Scenario scenario, long seed, String mode, String topology, int clients, double seconds,
        Map<String, Double> phases, Map<String, String> resources, Map<String, Integer> faults, Map<String, String> skippedFaults, List<String> errors,
        Checker.Findings findings, List<String> excerpts, String directory) {

    /** Turns a record of figures into its JSON object, {@code outOfOrderGrants} as {@code out_of_order_grants}. */
    private static final ObjectMapper SNAKE_CASE = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /**
     * Why the scenario failed; empty when it passed. A scenario fails on any breach of fenced
     * safety, any missed or late lost signal, any fair lock grant out of arrival order that no skipped
     * waiter explains, any harness error, when no lock was ever acquired, or when no fault was
     * injected and none was said to be impossible here. The control fails when it did not find the
     * lost updates that its unfenced resource allows, or the lost leases that its clients, which
     * record no lost signal, left unsignalled.
     */
    List<String> failures() {
        List<String> failures = new ArrayList<>(errors);
        if (findings.acquired() == 0) {
            failures.add("no client ever acquired the lock");
        }
        if (errors.isEmpty() && faults.isEmpty() && skippedFaults.isEmpty()) {
            failures.add("no fault was injected, and none was reported as impossible here");
        }
        if (findings.lostSignalsMissed() > 0 && !scenario.isControl()) {
            failures.add(findings.lostSignalsMissed() + " lost leases were never signalled to their holders");
        }
        if (findings.lostSignalsLate() > 0 && !scenario.isControl()) {
            failures.add(findings.lostSignalsLate() + " lost leases were still not signalled two leases after another client"
                    + " was granted the lock, their holders not frozen");
        }
        if (findings.fairOrder().outOfOrderGrants() > 0) {
            failures.add(findings.fairOrder().outOfOrderGrants() + " fair lock grants overtook a waiter that had arrived earlier and was not skipped");
        }
        if (scenario.isControl()) {
            int lockViolations = findings.fencedViolations() - findings.lostUpdates();
            if (lockViolations > 0) {
                failures.add(lockViolations + " breaches of token order: " + findings.violations());
            }
            if (findings.lostUpdates() == 0) {
                failures.add("the control found no lost update: without fencing, paused holders should have lost some,"
                        + " so the checker might miss them everywhere");
            }
            if (findings.lostSignalsMissed() == 0) {
                failures.add("the control found no lost lease unsignalled: its clients record no lost signal, so the"
                        + " checker might miss unsignalled losses everywhere");
            }
        } else if (findings.fencedViolations() > 0) {
            failures.add(findings.fencedViolations() + " breaches of fenced safety: " + findings.violations());
        }
        return failures;
    }

    /**
     * Why the scenario showed nothing, when it injected no fault and some of its faults were
     * impossible here (each one's reason is in {@code skippedFaults}); empty when a fault was
     * injected. It counts as neither passed nor failed.
     */
    Optional<String> skipped() {
        if (!faults.isEmpty() || skippedFaults.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("no fault was injected; impossible here: " + skippedFaults.entrySet().stream()
                .map(skipped -> skipped.getKey() + " (" + skipped.getValue() + ")").collect(Collectors.joining("; ")));
    }

    boolean failed() {
        return !failures().isEmpty();
    }

    boolean passed() {
        return !failed() && skipped().isEmpty();
    }

    /** {@code passed}, {@code FAILED} or {@code SKIPPED}, as the reports show it. */
    String verdict() {
        return failed() ? "FAILED" : passed() ? "passed" : "SKIPPED";
    }

    /** The scenario's object in {@code verify-report.json}. */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", scenario.id());
        json.put("description", scenario.description());
        json.put("control", scenario.isControl());
        json.put("passed", passed());
        json.put("failures", failures());
        json.put("skipped", skipped().orElse(null));
        json.put("mode", mode);
        json.put("seed", seed);
        json.put("topology", topology);
        json.put("clients", clients);
        json.put("duration_s", seconds);
        json.put("phases_s", phases);
        json.put("resources", resources);
        json.put("operations", findings.operations());
        json.put("acquired", findings.acquired());
        json.put("acquire_failures", findings.acquireFailures());
        json.put("faults", faults);
        json.put("skipped_faults", skippedFaults);
        json.put("fenced_violations", findings.fencedViolations());
        json.put("fenced_violations_by_kind", findings.violations());
        json.put("lost_updates", findings.lostUpdates());
        json.put("accepted_writes", findings.acceptedWrites());
        json.put("stale_writes_rejected", findings.staleRejections());
        json.put("unfenced_overlaps", findings.unfencedOverlaps());
        json.put("unfenced_overlap_ms", findings.unfencedOverlapMillis());
        json.put("lost_signals_raised", findings.lostSignalsRaised());
        json.put("leases_lost", findings.leasesLost());
        json.put("lost_signals_missed", findings.lostSignalsMissed());
        json.put("lost_signals_late", findings.lostSignalsLate());
        json.put("lost_signals_at_release", findings.lostSignalsAtRelease());
        json.put("lost_signals_indeterminate", findings.lostSignalsIndeterminate());
        json.put("availability", findings.availability());
        if (findings.majority().measured()) {
            json.put("majority_up_share", findings.majority().majorityShare());
            json.put("availability_with_majority", findings.majority().availabilityWithMajority());
        }
        json.put("acquire_latency_ms", findings.acquireLatencyMillis());
        json.put("restarts", findings.restarts());
        json.put("lock", scenario.lock().id());
        if (scenario.lock() == LockUnderTest.READ_WRITE) {
            json.put("reads_granted", findings.reads().granted());
            json.put("reads_granted_while_another_read", findings.reads().whileAnotherRead());
        }
        if (scenario.lock() == LockUnderTest.PERMIT) {
            json.put("permits", LockUnderTest.PERMITS);
            json.put("permits_granted", findings.reads().granted());
            json.put("permits_granted_while_another_held", findings.reads().whileAnotherRead());
        }
        if (findings.fairOrder().observed()) {
            json.put("fair_order", SNAKE_CASE.convertValue(findings.fairOrder(), Map.class));
        }
        json.put("violations", findings.examples().stream().map(violation -> Map.of(
                "kind", violation.kind(), "description", violation.description(), "leases", violation.leases())).toList());
        json.put("errors", errors);
        json.put("history", directory);
        return json;
    }
}
