package dev.fencelock.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The run's report: a table for people and {@code verify-report.json}, one object per scenario. */
final class Report {
    private static final ObjectWriter JSON = new ObjectMapper().writerWithDefaultPrettyPrinter();

    private Report() {}

    /**
     * Writes {@code verify-report.json} and {@code verify-report.txt} into {@code out}; returns the
     * text for the console, which differs from the file only in showing a control that passed as
     * one line.
     */
    static String write(List<ScenarioResult> results, Settings settings, long seed, double seconds, Path out) {
        String text = text(results, settings, seed, seconds, false);
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve("verify-report.json"), JSON.writeValueAsString(results.stream().map(ScenarioResult::toJson).toList()) + "\n");
            Files.writeString(out.resolve("verify-report.txt"), text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + out, e);
        }
        return text(results, settings, seed, seconds, true);
    }

    /**
     * The text report: a table, then each scenario's details.
     *
     * @param passedControlInOneLine whether a control that passed is one line instead of its details
     */
    static String text(List<ScenarioResult> results, Settings settings, long seed, double seconds, boolean passedControlInOneLine) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "Fencelock verification: %s mode, seed %d, %d clients per scenario,"
                + " lease %d ms, %.0f s in all%n%n", settings.mode(), seed, settings.clients(), settings.lease().toMillis(), seconds));
        text.append(String.format(Locale.ROOT, "%-22s %6s %7s  %-34s %6s %5s %8s %6s %6s %6s %6s %6s %6s %6s  %s%n",
                "scenario", "s", "ops", "faults injected", "fenced", "stale", "overlaps", "lost", "missed", "avail", "maj",
                "av|maj", "p50 ms", "p99 ms", "result"));
        for (ScenarioResult result : results) {
            Checker.Findings f = result.findings();
            MajorityTime.Figures majority = f.majority();
            text.append(String.format(Locale.ROOT, "%-22s %6.0f %7d  %-34s %6d %5d %8d %6s %6d %6.3f %6s %6s %6.0f %6.0f  %s%n",
                    result.scenario().id(), result.seconds(), f.operations(), faults(result.faults()), f.fencedViolations(),
                    f.staleRejections(), f.unfencedOverlaps(), f.lostSignalsRaised() + "/" + f.leasesLost(), f.lostSignalsMissed() + f.lostSignalsLate(),
                    f.availability(), share(majority.measured(), majority.majorityShare()),
                    share(majority.measured(), majority.availabilityWithMajority()),
                    f.acquireLatencyMillis().getOrDefault("p50", 0.0), f.acquireLatencyMillis().getOrDefault("p99", 0.0),
                    result.passed() && result.scenario().isControl() ? "passed (control: " + f.lostUpdates() + " lost updates, "
                            + f.lostSignalsMissed() + " unsignalled losses found)"
                            : result.verdict()));
        }
        text.append("\nfenced: breaches of fenced safety (must be 0; the control must find lost updates); stale: claims and writes"
                + " the resources rejected by token; overlaps: holders that still believed they held the lock when another was granted it;"
                + " lost: lost signals raised / leases the history shows lost; missed: lost leases never signalled, or signalled over two leases after another's grant (must be 0; the control, whose clients record no signal, must find some);"
                + " avail: share of the time some client held the lock; maj: share of the time a majority of the Redis masters"
                + " was up, by the nemesis's record of its kills, freezes and partitions (- for Sentinel and ZooKeeper);"
                + " av|maj: share of that time some client held the lock; p50, p99: acquisition latency.\n");
        for (ScenarioResult result : results) {
            if (passedControlInOneLine && result.scenario().isControl() && result.passed()) {
                // Its violations are the lost updates it had to find: listed, they would read as a failure.
                text.append(String.format(Locale.ROOT, "%ncontrol: %d lost updates and %d unsignalled losses found, as expected"
                        + " (examples in %s/violations.txt)%n", result.findings().lostUpdates(), result.findings().lostSignalsMissed(),
                        result.directory()));
            } else {
                details(result, text);
            }
        }
        return text.toString();
    }

    private static void details(ScenarioResult result, StringBuilder text) {
        Checker.Findings f = result.findings();
        text.append("\n").append(result.scenario().id()).append(": ").append(result.scenario().description()).append("\n");
        text.append("  topology: ").append(result.topology()).append("\n");
        text.append("  resources: ").append(result.resources().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining("; "))).append("; accepted writes ").append(f.acceptedWrites()).append("\n");
        text.append(String.format(Locale.ROOT, "  acquisitions: %d of %d granted, not granted %s; latency ms %s%n",
                f.acquired(), f.operations(), f.acquireFailures(), latencies(f.acquireLatencyMillis())));
        text.append(String.format(Locale.ROOT, "  overlapping beliefs: %d stale holders, two or more believing for %.0f ms in all; lost signals not confirmed"
                + " because the release failed: %d; lost signals that only the release gave: %d; late (two leases after another's grant): %d%n",
                f.unfencedOverlaps(), f.unfencedOverlapMillis(), f.lostSignalsIndeterminate(), f.lostSignalsAtRelease(), f.lostSignalsLate()));
        if (result.scenario().lock() == LockUnderTest.READ_WRITE) {
            text.append(String.format(Locale.ROOT, "  readers: %d reads granted, %d of them while another reader held the lock%n",
                    f.reads().granted(), f.reads().whileAnotherRead()));
        }
        if (result.scenario().lock() == LockUnderTest.PERMIT) {
            text.append(String.format(Locale.ROOT, "  permits: %d granted (semaphore of %d), %d of them while another permit was held%n",
                    f.reads().granted(), LockUnderTest.PERMITS, f.reads().whileAnotherRead()));
        }
        FairOrder.Findings fair = f.fairOrder();
        if (fair.observed()) {
            text.append(String.format(Locale.ROOT, "  fair queue: %d grants seen (%d after waiting in the queue), %d out of arrival order;"
                            + " waiters skipped as gone: %d, grants past a skipped waiter: %d; %d restarts emptied the queue,"
                            + " %d grants not seen around them; %d grants while another client's earlier call still waited;"
                            + " from the call to the queue, ms: %s%n",
                    fair.grants(), fair.queuedGrants(), fair.outOfOrderGrants(), fair.skippedWaiters(), fair.grantsPastSkippedWaiters(), fair.queueResets(),
                    fair.grantsUnobserved(), fair.grantsOutOfCallOrder(), latencies(fair.callToQueueMillis())));
            fair.examples().forEach(example -> text.append("  out of order: ").append(example).append("\n"));
        }
        text.append("  time (s): ").append(result.phases().entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue())).collect(Collectors.joining(", "))).append("\n");
        result.skippedFaults().forEach((kind, reason) -> text.append("  skipped ").append(kind).append(": ").append(reason).append("\n"));
        for (Map<String, Object> restart : f.restarts()) {
            long before = (Long) restart.get("last_token_before");
            long after = (Long) restart.get("first_token_after");
            text.append(String.format(Locale.ROOT, "  restart of %s (%s): fence counter after it %s, server TIME %d us;"
                            + " last token before %d, first after %d%s%n",
                    restart.get("node"), (Boolean) restart.get("append_only") ? "append-only" : "no persistence",
                    restart.get("counter_after_restart"), (Long) restart.get("server_time_us"), before, after,
                    after < 0 ? "" : after > before ? " (larger)" : " (NOT LARGER)"));
        }
        result.failures().forEach(failure -> text.append("  FAILED: ").append(failure).append("\n"));
        result.skipped().ifPresent(why -> text.append("  SKIPPED: ").append(why).append("\n"));
        result.excerpts().forEach(line -> text.append("  ").append(line).append("\n"));
        text.append("  history: ").append(result.directory()).append("/history.log\n");
    }

    private static String share(boolean measured, double share) {
        return measured ? String.format(Locale.ROOT, "%.3f", share) : "-";
    }

    private static String faults(Map<String, Integer> faults) {
        return faults.isEmpty() ? "none" : faults.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String latencies(Map<String, Double> latencies) {
        return latencies.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
