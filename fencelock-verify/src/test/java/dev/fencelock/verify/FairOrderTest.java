package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fair order check against hand-written queue observations: each way a grant can be in or out
 * of arrival order, once. Scores are the server's microseconds, small here for reading.
 */
class FairOrderTest {
    private final List<Event> events = new ArrayList<>();
    private long mono;

    @BeforeEach
    void observerConnects() {
        observe(Op.RESET, Event.NONE, 0, "queued=0");
    }

    @Test
    void grantsInArrivalOrderAreInOrder() {
        join("a", 10);
        join("b", 20);
        grant("a", 1001);
        grant("b", 1002);

        FairOrder.Findings findings = check(1001, 1002);

        assertThat(findings.outOfOrderGrants()).isZero();
        assertThat(findings.grants()).isEqualTo(2);
        assertThat(findings.queuedGrants()).isEqualTo(2);
        assertThat(findings.grantsUnobserved()).isZero();
    }

    @Test
    void aGrantThatOvertookAnEarlierWaiterStillQueuedIsOutOfOrder() {
        join("a", 10);
        join("b", 20);
        grant("b", 1002);

        FairOrder.Findings findings = check(1002);

        assertThat(findings.outOfOrderGrants()).isEqualTo(1);
        assertThat(findings.examples()).singleElement().asString().startsWith("c2/1 (token 1002, queued at 20)");
    }

    @Test
    void aGrantAtTheFirstTryWhileOthersWaitIsOutOfOrder() {
        join("a", 10);
        grant("c", 1003);

        assertThat(check(1003).outOfOrderGrants()).isEqualTo(1);
    }

    @ParameterizedTest(name = "dropped as {0}: skipped {1}")
    @CsvSource({"gone, 1", "left, 0"})
    void aGrantPastAWaiterThatWasDroppedIsInOrderAndCountedPastASkipOnlyIfItWasGone(String why, int skipped) {
        join("a", 10);
        join("b", 20);
        drop("a", why);
        grant("b", 1002);

        FairOrder.Findings findings = check(1002);

        assertThat(findings.outOfOrderGrants()).isZero();
        assertThat(findings.skippedWaiters()).isEqualTo(skipped);
        assertThat(findings.grantsPastSkippedWaiters()).as("a waiter that gave up is no skip").isEqualTo(skipped);
    }

    @Test
    void aWaiterTryingAgainKeepsItsPlace() {
        join("a", 10);
        join("b", 20);
        join("a", 30);
        grant("a", 1001);
        grant("b", 1002);

        assertThat(check(1001, 1002).outOfOrderGrants()).isZero();
    }

    @Test
    void aGrantWhileAnotherClientsEarlierCallStillWaitedIsCountedOutOfCallOrder() {
        join("b", 20);
        join("a", 30);
        grant("b", 1002);
        grant("a", 1001);
        // c1 called at 10 and waited until 500; c2, called at 20, was granted at 100.
        List<FairOrder.Call> calls = List.of(new FairOrder.Call("c1", 10, 0, 500, 1001, 500), new FairOrder.Call("c2", 20, 0, 100, 1002, 100));

        FairOrder.Findings findings = FairOrder.check(events, calls, Map.of());

        assertThat(findings.outOfOrderGrants()).as("the server saw c2 first").isZero();
        assertThat(findings.grantsOutOfCallOrder()).isEqualTo(1);
    }

    @Test
    void theTimeFromACallToItsArrivalInTheQueueIsMeasured() {
        join("a", 5_000);
        grant("a", 1001);

        FairOrder.Findings findings = FairOrder.check(events, List.of(new FairOrder.Call("c1", 1, 2, 10, 1001, 10)), Map.of());

        assertThat(findings.callToQueueMillis()).as("called at 2 ms, queued at 5,000 us").containsEntry("p50", 3.0);
    }

    @Test
    void aRestartEmptiesTheQueueAndTheObserverReadsItAfresh() {
        join("a", 10);
        observe(Op.RESET, Event.NONE, 500, "queued=1");
        join("b", 30);
        grant("b", 1002);
        grant("c", 1003);

        FairOrder.Findings findings = check(1002, 1003, 1004);

        assertThat(findings.outOfOrderGrants()).as("a's place went with the restart").isZero();
        assertThat(findings.queueResets()).isEqualTo(1);
        assertThat(findings.grantsUnobserved()).as("1004, granted while the observer was away").isEqualTo(1);
    }

    private void join(String owner, long score) {
        observe(Op.JOIN, Event.NONE, score, "owner=" + owner);
    }

    private void drop(String owner, String why) {
        observe(Op.DROP, Event.NONE, Event.NONE, "owner=" + owner + " why=" + why);
    }

    private void grant(String owner, long token) {
        observe(Op.GRANT, token, Event.NONE, "owner=" + owner);
    }

    private void observe(Op op, long token, long value, String detail) {
        events.add(new Event(++mono, mono, FairOrder.PROCESS, 0, Type.OK, op, token, value, detail));
    }

    /** Checks the events against clients that recorded {@code tokens}, token 100N granted to {@code cN/1}. */
    private FairOrder.Findings check(long... tokens) {
        List<FairOrder.Call> calls = new ArrayList<>();
        Map<Long, String> leaseOf = new HashMap<>();
        for (long token : tokens) {
            calls.add(new FairOrder.Call("c" + (token - 1000), token, 0, token + 1, token, token + 1));
            leaseOf.put(token, "c" + (token - 1000) + "/1");
        }
        return FairOrder.check(events, calls, leaseOf);
    }
}
