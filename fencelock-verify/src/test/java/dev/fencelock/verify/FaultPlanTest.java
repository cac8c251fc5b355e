package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
    private final List<Nemesis> nemeses = List.of(
            new Planned("short", new Range(Duration.ofMillis(300), Duration.ofMillis(2500))),
            new Planned("long", new Range(Duration.ofSeconds(1), Duration.ofSeconds(4))));

    /** A nemesis that is only planned, never injected. */
    private record Planned(String kind, Range durations) implements Nemesis {
        @Override
        public void inject(Duration duration, java.util.Random random, FaultLog log) {
            throw new UnsupportedOperationException("planned only");
        }
    }

    @Test
    void theSameSeedDrawsTheSamePlan() {
        FaultPlan first = FaultPlan.draw(42, nemeses, Duration.ofSeconds(60), new Range(Duration.ofMillis(500), Duration.ofSeconds(2)));
        FaultPlan again = FaultPlan.draw(42, nemeses, Duration.ofSeconds(60), new Range(Duration.ofMillis(500), Duration.ofSeconds(2)));
        FaultPlan other = FaultPlan.draw(43, nemeses, Duration.ofSeconds(60), new Range(Duration.ofMillis(500), Duration.ofSeconds(2)));

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void faultsStartInsideTheWindowOneAfterAnotherAndUseEveryNemesis() {
        FaultPlan plan = FaultPlan.draw(7, nemeses, Duration.ofSeconds(120), new Range(Duration.ofMillis(500), Duration.ofSeconds(1)));

        assertThat(plan.faults()).hasSizeGreaterThan(20);
        Duration end = Duration.ZERO;
        for (FaultPlan.Fault fault : plan.faults()) {
            assertThat(fault.at()).as("starts after the previous one ends").isGreaterThanOrEqualTo(end.plusMillis(500));
            assertThat(fault.at()).isLessThan(Duration.ofSeconds(120));
            end = fault.at().plus(fault.duration());
        }
        assertThat(plan.faults()).extracting(FaultPlan.Fault::nemesis).contains(0, 1);
    }

    @Test
    void scenariosOfOneRunGetDifferentSeeds() {
        assertThat(ScenarioRun.seedOf(1, Scenario.SINGLE_CLIENT_PAUSES)).isNotEqualTo(ScenarioRun.seedOf(1, Scenario.CONTROL_NO_FENCING))
                .isEqualTo(ScenarioRun.seedOf(1, Scenario.SINGLE_CLIENT_PAUSES));
    }
}
