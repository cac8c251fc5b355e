package dev.fencelock.verify;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A verification run: the given scenarios one after another, each in its own directory under
 * {@code out/verify/}, then the report in {@code out}.
 */
final class Verification {
    private final Settings settings;
    private final long seed;
    private final List<Scenario> scenarios;
    private final Path out;

    Verification(Settings settings, long seed, List<Scenario> scenarios, Path out) {
        this.settings = settings;
        this.seed = seed;
        this.scenarios = List.copyOf(scenarios);
        this.out = out;
    }

    /** Runs every scenario, printing a line as each ends, and writes the report. */
    Outcome run() throws InterruptedException {
        long start = System.nanoTime();
        String postgresUrl = PostgresCounter.url();
        Optional<String> postgresMissing = PostgresCounter.unavailable(postgresUrl);
        Availability<String> postgres = postgresMissing.isPresent()
                ? Availability.unavailable(postgresMissing.get()) : Availability.of(postgresUrl);
        System.out.printf(Locale.ROOT, "fencelock verify: %s mode, seed %d, %d scenarios, PostgreSQL %s%n",
                settings.mode(), seed, scenarios.size(), postgresMissing.map(reason -> "skipped (" + reason + ")").orElse("checked"));
        List<ScenarioResult> results = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            long began = System.nanoTime();
            ScenarioResult result;
            try {
                result = new ScenarioRun(scenario, settings, seed, out.resolve("verify").resolve(scenario.id()), postgres).run();
            } catch (RuntimeException e) {
                result = new ScenarioResult(scenario, seed, settings.mode(), "not started", settings.clients(), 0, Map.of(), Map.of(), Map.of(),
                        Map.of(), List.of("the scenario could not run: " + e), Checker.check(List.of(), List.of(), 0, 0, List.of()), List.of(),
                        out.resolve("verify").resolve(scenario.id()).toString());
                e.printStackTrace();
            }
            results.add(result);
            Checker.Findings f = result.findings();
            System.out.printf(Locale.ROOT, "  %-22s %4.0f s  ops %5d  faults %-40s fenced %d  overlaps %d  missed %d  avail %.3f  %s%n",
                    scenario.id(), (System.nanoTime() - began) / 1e9, f.operations(), result.faults(), f.fencedViolations(),
                    f.unfencedOverlaps(), f.lostSignalsMissed() + f.lostSignalsLate(), f.availability(), result.verdict());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String text = Report.write(results, settings, seed, seconds, out);
        return new Outcome(results, text);
    }

    /**
     * @param results one per scenario
     * @param text the text report for the console, where a control that passed is one line
     */
    record Outcome(List<ScenarioResult> results, String text) {
        /** Whether a scenario failed; one skipped (none of its faults possible here) fails nothing. */
        boolean failed() {
            return results.stream().anyMatch(ScenarioResult::failed);
        }
    }
}
