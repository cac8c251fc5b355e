package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text report: the console shows what needs a reader, the file keeps everything. */
class ReportTest {
    private static final String EXCERPT = "redis:lost-update: c2/7 wrote 12 right after c1/5 wrote 12";

    @TempDir
    Path out;

    @Test
    void aControlThatFoundItsLostUpdatesIsOneLineOnTheConsoleAndInFullInTheFile() throws IOException {
        ScenarioResult control = result(Scenario.CONTROL_NO_FENCING, 37);

        String console = Report.write(List.of(control), Settings.SHORT, 1, 60, out);

        assertThat(control.passed()).as("the control passed: %s", control.failures()).isTrue();
        assertThat(console).as("console").contains("control: 37 lost updates and 3 unsignalled losses found, as expected"
                        + " (examples in " + control.directory() + "/violations.txt)")
                .doesNotContain(EXCERPT);
        assertThat(Files.readString(out.resolve("verify-report.txt"))).as("verify-report.txt").contains(EXCERPT);
    }

    @Test
    void aControlWhoseCheckerFoundEveryLossSignalledFails() {
        ScenarioResult control = result(Scenario.CONTROL_NO_FENCING, 37, 0);

        assertThat(control.failures()).singleElement().asString()
                .startsWith("the control found no lost lease unsignalled: its clients record no lost signal");
    }

    @Test
    void aFencedScenarioWithViolationsShowsThemOnTheConsole() {
        ScenarioResult fenced = result(Scenario.SINGLE_CLIENT_PAUSES, 2);

        String console = Report.write(List.of(fenced), Settings.SHORT, 1, 60, out);

        assertThat(fenced.passed()).as("a breach of fenced safety fails the scenario").isFalse();
        assertThat(console).as("console").contains("FAILED: 2 breaches of fenced safety", EXCERPT)
                .doesNotContain("as expected");
    }

    @Test
    void aFairGrantOutOfArrivalOrderFailsTheScenarioAndItsFiguresAreInTheJson() {
        FairOrder.Findings fair = new FairOrder.Findings(true, 90, 80, 1, 2, 3, 4, 0, 5, Map.of("p50", 1.5), List.of("c2/1 overtook c1/1"));
        ScenarioResult result = result(Scenario.FAIR_PAUSES_RESTARTS, 0, fair);

        assertThat(result.failures()).singleElement().asString().startsWith("1 fair lock grants overtook a waiter");
        assertThat(result.toJson()).extractingByKey("fair_order").asInstanceOf(MAP)
                .containsEntry("out_of_order_grants", 1).containsEntry("skipped_waiters", 2)
                .containsEntry("grants_past_skipped_waiters", 3).containsEntry("queue_resets", 4)
                .containsEntry("grants_out_of_call_order", 5).containsKey("call_to_queue_millis");
    }

    @Test
    void aScenarioNoneOfWhoseFaultsCouldBeInjectedIsSkippedWithTheReasonNeverPassed() {
        ScenarioResult partition = result(Scenario.REDLOCK_PARTITION, 0, 0, FairOrder.Findings.NONE,
                Map.of(), Map.of("partition", "needs root (ip netns add)"));

        String console = Report.write(List.of(partition), Settings.SHORT, 1, 60, out);

        assertThat(partition.passed()).as("passed").isFalse();
        assertThat(partition.failed()).as("failed").isFalse();
        assertThat(console).contains("SKIPPED: no fault was injected; impossible here: partition (needs root (ip netns add))");
        assertThat(partition.toJson()).containsEntry("passed", false)
                .containsEntry("skipped", "no fault was injected; impossible here: partition (needs root (ip netns add))");
    }

    @Test
    void aScenarioThatInjectedNothingAndSaidNothingFails() {
        ScenarioResult silent = result(Scenario.SINGLE_CLIENT_PAUSES, 0, 0, FairOrder.Findings.NONE, Map.of(), Map.of());

        assertThat(silent.failures()).containsExactly("no fault was injected, and none was reported as impossible here");
    }

    /**
     * A scenario whose checker found {@code lostUpdates} lost updates on the Redis counter, and its 3
     * lost leases signalled, or, in the control, whose clients record no signal, missed.
     */
    private ScenarioResult result(Scenario scenario, int lostUpdates) {
        return result(scenario, lostUpdates, scenario.isControl() ? 3 : 0);
    }

    private ScenarioResult result(Scenario scenario, int lostUpdates, int missed) {
        return result(scenario, lostUpdates, missed, FairOrder.Findings.NONE, Map.of("client-pause", 4), Map.of());
    }

    private ScenarioResult result(Scenario scenario, int lostUpdates, FairOrder.Findings fair) {
        return result(scenario, lostUpdates, 0, fair, Map.of("client-pause", 4), Map.of());
    }

    private ScenarioResult result(Scenario scenario, int lostUpdates, int missed, FairOrder.Findings fair,
            Map<String, Integer> faults, Map<String, String> skippedFaults) {
        Checker.Findings findings = new Checker.Findings(100, 90, Map.of(), Map.of("redis:lost-update", lostUpdates),
                List.of(new Checker.Violation("redis:lost-update", "c2/7 wrote 12 right after c1/5 wrote 12", List.of("c1/5", "c2/7"))),
                0, Map.of("redis", 90), 3, 40.0, 3 - missed, 3, missed, 0, 0, 0, 0.99, MajorityTime.Figures.NONE, Map.of("p99", 12.0), List.of(), new Checker.ReadSharing(0, 0),
                fair);
        return new ScenarioResult(scenario, 1, "short", "one node", 6, 10, Map.of(), Map.of("redis", "checked"),
                faults, skippedFaults, List.of(), findings, List.of(EXCERPT, "    c1/5 ACQUIRED token 5"),
                out.resolve("verify").resolve(scenario.id()).toString());
    }
}
