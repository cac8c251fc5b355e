package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When a majority of the masters was up, from the nemesis's record of its faults, and the lock's
 * availability within that time. Times are in milliseconds here, for reading; the code sees
 * nanoseconds.
 */
class MajorityTimeTest {
    private static final List<String> FIVE = List.of("n0", "n1", "n2", "n3", "n4");
    private final List<Event> history = new ArrayList<>();

    @Test
    void twoMastersKilledThenOneFrozenLeaveAMajorityAllTheTime() {
        fault(10, 40, NodeKill.KIND_NO_PERSISTENCE, "target=n0");
        fault(11, 41, NodeKill.KIND_APPEND_ONLY, "target=n2");
        fault(50, 80, NodePause.KIND, "target=n3");

        assertThat(spansWithoutMajority(0, 100)).as("never more than two of five down").isEmpty();
    }

    @Test
    void aFreezeDuringTwoKillsTakesTheMajorityAwayUntilTheFirstMasterIsBack() {
        fault(50, 80, NodePause.KIND, "target=n2");
        fault(45, 70, NodeKill.KIND_NO_PERSISTENCE, "target=n0");
        fault(46, 75, NodeKill.KIND_APPEND_ONLY, "target=n1");

        assertThat(spansWithoutMajority(0, 100)).as("three down from the freeze until n0 is back")
                .containsExactly(List.of(50L, 70L));
    }

    @Test
    void aPartitionCutsOffEveryMasterItNames() {
        fault(20, 30, Partition.KIND, "targets=n0,n1,n2");
        fault(40, 50, Partition.KIND, "targets=n0,n1");

        assertThat(spansWithoutMajority(0, 100)).containsExactly(List.of(20L, 30L));
    }

    @Test
    void clockJumpsClientPausesAndOtherTargetsTakeNoMasterAway() {
        fault(10, 60, NodePause.KIND, "target=n0");
        fault(11, 59, NodePause.KIND, "target=n1");
        fault(20, 30, ClockSkew.KIND, "target=n2");
        fault(31, 40, ClientPause.KIND, "target=c1");
        fault(41, 50, NodePause.KIND, "target=zk3");

        assertThat(spansWithoutMajority(0, 100)).isEmpty();
    }

    @Test
    void spansAreClippedToTheWindowAndOneStillOpenEndsWithIt() {
        fault(5, 15, Partition.KIND, "targets=n0,n1,n2");
        history.add(nemesis(90, Type.START, Partition.KIND, "targets=n2,n3,n4"));

        assertThat(spansWithoutMajority(10, 100)).containsExactly(List.of(10L, 15L), List.of(90L, 100L));
    }

    @Test
    void availabilityWithTheMajorityLeavesOutTheTimeWithoutOne() {
        List<long[]> held = List.of(span(10, 40), span(60, 100));
        List<long[]> withoutMajority = List.of(span(50, 70));

        MajorityTime.Figures figures = MajorityTime.figures(held, withoutMajority, 0, 100 * 1_000_000L);

        assertThat(figures.measured()).isTrue();
        assertThat(figures.majorityShare()).as("80 of 100 ms with a majority").isCloseTo(0.8, within(1e-9));
        assertThat(figures.availabilityWithMajority()).as("held 30 + 30 of those 80 ms").isCloseTo(0.75, within(1e-9));
    }

    @Test
    void theCheckerReportsTheMajorityOfTheMastersItIsGiven() {
        hold("c1", 1, 5, 10, 40);
        hold("c2", 1, 8, 60, 100);
        fault(50, 80, NodePause.KIND, "target=n2");
        fault(45, 70, NodeKill.KIND_NO_PERSISTENCE, "target=n0");
        fault(46, 75, NodeKill.KIND_APPEND_ONLY, "target=n1");

        Checker.Findings onMasters = Checker.check(history, List.of(), 0, 100 * 1_000_000L, FIVE);
        Checker.Findings elsewhere = Checker.check(history, List.of(), 0, 100 * 1_000_000L, List.of());

        assertThat(onMasters.availability()).as("held 30 + 40 of 100 ms").isCloseTo(0.7, within(1e-9));
        assertThat(onMasters.majority().majorityShare()).isCloseTo(0.8, within(1e-9));
        assertThat(onMasters.majority().availabilityWithMajority()).isCloseTo(0.75, within(1e-9));
        assertThat(elsewhere.majority()).as("no masters named: not measured").isEqualTo(MajorityTime.Figures.NONE);
        assertThat(elsewhere.availability()).as("the headline figure does not depend on it").isCloseTo(0.7, within(1e-9));
    }

    private List<List<Long>> spansWithoutMajority(long fromMillis, long toMillis) {
        history.sort((a, b) -> Long.compare(a.mono(), b.mono()));
        return MajorityTime.withoutMajority(history, FIVE, fromMillis * 1_000_000, toMillis * 1_000_000).stream()
                .map(span -> List.of(span[0] / 1_000_000, span[1] / 1_000_000)).toList();
    }

    private void fault(long startMillis, long endMillis, String kind, String targets) {
        history.add(nemesis(startMillis, Type.START, kind, targets));
        history.add(nemesis(endMillis, Type.END, kind, targets));
    }

    private void hold(String client, long lease, long invokedAt, long grantedAt, long releasedAt) {
        history.add(event(invokedAt, client, lease, Type.INVOKE, Op.ACQUIRE, -1, ""));
        history.add(event(grantedAt, client, lease, Type.OK, Op.ACQUIRE, 1000 + grantedAt, ""));
        history.add(event(releasedAt, client, lease, Type.INVOKE, Op.RELEASE, 1000 + grantedAt, ""));
        history.add(event(releasedAt, client, lease, Type.OK, Op.RELEASE, 1000 + grantedAt, "outcome=RELEASED"));
    }

    private static Event nemesis(long millis, Type type, String kind, String targets) {
        return event(millis, "nemesis", 0, type, Op.FAULT, -1, "kind=" + kind + " " + targets);
    }

    private static Event event(long millis, String process, long lease, Type type, Op op, long token, String detail) {
        return new Event(millis * 1_000_000, millis, process, lease, type, op, token, -1, detail);
    }

    private static long[] span(long fromMillis, long toMillis) {
        return new long[] {fromMillis * 1_000_000, toMillis * 1_000_000};
    }
}
