package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The short mode of the verification harness, as {@code ./mvnw verify} and CI run it: every
 * scenario with real Redis nodes ({@link Scenario#isInBuild()}: ZooKeeper's take too long for the
 * build), six client processes and its faults, in about four minutes.
 * The build fails on any breach of fenced safety or lost lease that was never signalled (or two
 * leases after another client was granted the lock, its holder not frozen), on a fair
 * lock grant out of arrival order, when the fair queue could not be watched or readers never
 * shared the read-write lock or permits never shared the semaphore, and when the control run — a resource without fencing,
 * clients that record no lost signal — does not show the lost updates and the unsignalled losses that prove the checker
 * can see them. Each scenario is a test of its own:
 * one none of whose faults this machine can produce (no root for a partition, say) is reported
 * skipped with the reasons, never passed. The seed is printed; {@code -Dverify.seed=N} replays its plans.
 */
class VerifyShortIT {

    @TestFactory
    // A guard against a hang only: eleven scenarios of 25 to 75 s each may take 14 minutes on a loaded machine.
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    Stream<DynamicTest> fencedSafetyHoldsAndEveryLostLeaseIsSignalledUnderEveryFault() throws Exception {
        long seed = Long.getLong("verify.seed", ThreadLocalRandom.current().nextLong(1, 1_000_000_000L));
        Path out = Path.of("target");

        List<Scenario> scenarios = Stream.of(Scenario.values()).filter(Scenario::isInBuild).toList();
        Verification.Outcome outcome = new Verification(Settings.SHORT, seed, scenarios, out).run();
        System.out.println(outcome.text());

        Stream<DynamicTest> each = outcome.results().stream().map(result -> DynamicTest.dynamicTest(result.scenario().id(),
                () -> check(result, seed)));
        return Stream.concat(each, Stream.of(DynamicTest.dynamicTest("the report's fields", () -> checkReport(out, scenarios))));
    }

    /** One scenario: passed, or skipped with the reason when this machine could produce none of its faults. */
    private static void check(ScenarioResult result, long seed) {
        String where = result.scenario().id() + " (seed " + seed + ", history in " + result.directory() + ")";
        // failures(): harness errors, no acquisition, no fault injected nor skipped, a lost lease
        // never signalled, a breach of fenced safety, or a control run whose checker found no lost update
        // or no unsignalled loss.
        assertThat(result.failures()).as("%s: %s", where, result.excerpts()).isEmpty();
        result.skipped().ifPresent(why -> Assumptions.abort(where + ": " + why));
        SoftAssertions softly = new SoftAssertions();
        if (result.scenario().lock() == LockUnderTest.FAIR) {
            softly.assertThat(result.findings().fairOrder().queuedGrants())
                    .as("%s: grants to queued waiters seen on the server, so that their order was checked", where).isPositive();
        }
        if (result.scenario().lock() == LockUnderTest.READ_WRITE) {
            softly.assertThat(result.findings().reads().whileAnotherRead())
                    .as("%s: readers held the lock together", where).isPositive();
            softly.assertThat(result.findings().acceptedWrites().get(RedisCounter.NAME))
                    .as("%s: writers wrote", where).isPositive();
        }
        if (result.scenario().lock() == LockUnderTest.PERMIT) {
            softly.assertThat(result.findings().reads().whileAnotherRead())
                    .as("%s: permits were held together, so that the count was put to the test", where).isPositive();
        }
        softly.assertAll();
    }

    private static void checkReport(Path out, List<Scenario> scenarios) throws IOException {
        JsonNode report = new ObjectMapper().readTree(out.resolve("verify-report.json").toFile());
        assertThat(report.isArray()).as("the report is a JSON array").isTrue();
        assertThat(report).extracting(scenario -> scenario.get("scenario").asText())
                .containsExactlyElementsOf(scenarios.stream().map(Scenario::id).toList());
        for (JsonNode scenario : report) {
            assertThat(scenario.has("operations") && scenario.get("faults").isObject() && scenario.get("skipped_faults").isObject()
                    && scenario.has("fenced_violations") && scenario.has("unfenced_overlaps")
                    && scenario.has("lost_signals_missed") && scenario.has("availability") && scenario.has("skipped"))
                    .as("the fields the issue names, in %s", scenario.get("scenario")).isTrue();
            if (scenario.get("lock").asText().equals(LockUnderTest.FAIR.id())) {
                assertThat(scenario.path("fair_order").has("out_of_order_grants") && scenario.path("fair_order").has("skipped_waiters"))
                        .as("the fair order's figures, in %s", scenario.get("scenario")).isTrue();
            }
        }
    }
}
