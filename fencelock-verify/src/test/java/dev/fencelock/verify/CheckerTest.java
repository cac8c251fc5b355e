package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import dev.fencelock.verify.FencedResource.Audit;
import dev.fencelock.verify.FencedResource.Entry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checker against hand-written histories: each property it names is broken once, and it must
 * say so — a checker that finds nothing in a real run is only worth something if it finds these.
 * Times are in milliseconds here, for reading; the checker sees nanoseconds.
 */
class CheckerTest {
    private final List<Event> history = new ArrayList<>();

    @Test
    void twoHoldersOneAfterTheOtherBreakNothing() {
        hold("c1", 1, 100, 110, 200, 1000, 1);
        hold("c2", 1, 150, 210, 300, 2000, 2);

        Checker.Findings findings = check(List.of(entry(1000, 1, "c1/1"), entry(2000, 2, "c2/1")), 2, 0, 400);

        assertThat(findings.fencedViolations()).as("violations %s", findings.violations()).isZero();
        assertThat(findings.unfencedOverlaps()).isZero();
        assertThat(findings.leasesLost()).isZero();
        assertThat(findings.lostSignalsMissed()).isZero();
        assertThat(findings.acceptedWrites()).containsEntry("redis", 2);
    }

    @Test
    void aStaleWriteThatAnUnfencedResourceAcceptedIsALostUpdate() {
        hold("c1", 1, 100, 110, 900, 1000, 1);
        hold("c2", 1, 150, 300, 400, 2000, 1);
        history.add(event(120, "c1", 1, Type.SIGNAL, Op.LOST, 1000, -1, "reason=EXPIRED"));

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1"), entry(1000, 1, "c1/1")), 1, false, 0, 1000);

        assertThat(findings.lostUpdates()).as("two writes, counter at 1").isEqualTo(1);
        assertThat(findings.examples()).extracting(Checker.Violation::kind).contains("redis:lost-update");
    }

    @Test
    void aFencedLogWithAnOlderTokenAfterANewerOneIsOutOfOrder() {
        hold("c1", 1, 100, 110, 900, 1000, 1);
        hold("c2", 1, 150, 300, 400, 2000, 1);
        history.add(event(120, "c1", 1, Type.SIGNAL, Op.LOST, 1000, -1, "reason=EXPIRED"));

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1"), entry(1000, 2, "c1/1")), 2, 0, 1000);

        assertThat(findings.violations()).containsEntry("redis:out-of-token-order", 1);
    }

    @Test
    void aFencedLogInTokenOrderWhoseCounterIsBehindHasLostAnUpdate() {
        // c2 read 0 although c1 had written 1 before: the writes are in token order, the update is lost all the same.
        hold("c1", 1, 100, 110, 300, 1000, 1);
        hold("c2", 1, 150, 310, 400, 2000, 1);

        Checker.Findings findings = check(List.of(entry(1000, 1, "c1/1"), entry(2000, 1, "c2/1")), 1, 0, 1000);

        assertThat(findings.violations()).as("lost update with tokens in order").containsEntry("redis:lost-update", 1)
                .doesNotContainKey("redis:out-of-token-order");
    }

    @Test
    void aCounterAheadOfItsLogIsAMismatch() {
        hold("c1", 1, 100, 110, 200, 1000, 1);

        Checker.Findings findings = check(List.of(entry(1000, 1, "c1/1")), 2, 0, 400);

        assertThat(findings.violations()).containsEntry("redis:counter-mismatch", 1);
    }

    @Test
    void aLoggedWriteWithATokenItsWriterWasNotGrantedIsForeign() {
        hold("c1", 1, 100, 110, 200, 1000, 1);

        Checker.Findings findings = check(List.of(entry(999, 1, "c1/1")), 1, 0, 400);

        assertThat(findings.violations()).containsEntry("redis:foreign-write", 1);
    }

    @Test
    void aGrantAfterAnotherWithASmallerTokenBreaksTokenOrder() {
        hold("c1", 1, 100, 110, 200, 5000, 1);
        hold("c2", 1, 210, 220, 300, 4000, 2);

        Checker.Findings findings = check(List.of(entry(5000, 1, "c1/1"), entry(4000, 2, "c2/1")), 2, 0, 400);

        assertThat(findings.violations()).containsEntry("lock:token-not-increasing", 1);
    }

    @Test
    void concurrentAcquisitionsMayBeGrantedInEitherTokenOrder() {
        // c2 began before c1's grant completed and was granted while c1 held it: two holders at
        // once, whose tokens may come in either order.
        hold("c1", 1, 100, 150, 250, 5000, 1);
        hold("c2", 1, 120, 220, 300, 4000, 2);

        Checker.Findings findings = check(List.of(), 0, 0, 400);

        assertThat(findings.violations()).doesNotContainKey("lock:token-not-increasing");
    }

    @Test
    void aWaiterGrantedAfterTheHolderBeganToReleaseMustGetAGreaterToken() {
        // c2 was already waiting when c1 was granted: only c1's release lets it in, after which
        // its token must be greater than c1's.
        hold("c1", 1, 100, 150, 200, 5000, 1);
        hold("c2", 1, 120, 220, 300, 4000, 2);

        Checker.Findings findings = check(List.of(), 0, 0, 400);

        assertThat(findings.violations()).as("a token that went backwards").containsEntry("lock:token-not-increasing", 1);
        assertThat(findings.examples()).extracting(Checker.Violation::leases).contains(List.of("c1/1", "c2/1"));
    }

    @Test
    void aGrantThatReachedAFrozenWaiterAfterAnotherHolderLetGoMayCarryTheSmallerToken() {
        // c2 was granted at about 160, just after it was frozen; its lease ran out unseen, c1 held
        // the lock from 200 to 300, and c2 saw its grant only when thawed at 400, and was told at once.
        history.add(event(150, "nemesis", 0, Type.START, Op.FAULT, -1, -1, "kind=waiter-pause target=c2 ms=250"));
        hold("c1", 1, 190, 200, 300, 5000, 1);
        history.add(event(400, "nemesis", 0, Type.END, Op.FAULT, -1, -1, "kind=waiter-pause target=c2"));
        history.add(event(120, "c2", 1, Type.INVOKE, Op.ACQUIRE, -1, -1, "kind=fair"));
        history.add(event(401, "c2", 1, Type.OK, Op.ACQUIRE, 4000, -1, ""));
        history.add(event(402, "c2", 1, Type.SIGNAL, Op.LOST, 4000, -1, "reason=EXPIRED"));
        history.add(event(403, "c2", 1, Type.FAIL, Op.CLAIM, 4000, -1, "resource=redis reason=stale stored=5000"));
        history.add(event(404, "c2", 1, Type.INVOKE, Op.RELEASE, 4000, -1, ""));
        history.add(event(405, "c2", 1, Type.OK, Op.RELEASE, 4000, -1, "outcome=ALREADY_LOST"));

        Checker.Findings findings = check(List.of(entry(5000, 1, "c1/1")), 1, 0, 500);

        assertThat(findings.violations()).as("violations %s", findings.violations()).isEmpty();
        assertThat(findings.lostSignalsMissed()).isZero();
    }

    @Test
    void aGrantAfterTheHolderWasToldItLostTheLeaseMustGetAGreaterToken() {
        // c1 works on (its write already on its way) after it was told at 250 that its lease is
        // gone; c2, waiting since before c1's grant, is granted at 300 with a smaller token.
        hold("c1", 1, 100, 110, 900, 5000, 1);
        history.add(event(250, "c1", 1, Type.SIGNAL, Op.LOST, 5000, -1, "reason=OWNER_CHANGED"));
        hold("c2", 1, 105, 300, 400, 4000, 2);

        Checker.Findings findings = check(List.of(), 0, 0, 1000);

        assertThat(findings.violations()).containsEntry("lock:token-not-increasing", 1);
        assertThat(findings.leasesLost()).as("c1's lease, taken by c2").isEqualTo(1);
        assertThat(findings.lostSignalsMissed()).as("c1 was told").isZero();
    }

    @Test
    void aTokenThatWentBackwardsAndWasRejectedAsStaleIsABreachNotALostLease() {
        hold("c1", 1, 100, 150, 200, 5000, 1);
        history.add(event(120, "c2", 1, Type.INVOKE, Op.ACQUIRE, -1, -1, ""));
        history.add(event(220, "c2", 1, Type.OK, Op.ACQUIRE, 4000, -1, ""));
        history.add(event(221, "c2", 1, Type.FAIL, Op.CLAIM, 4000, -1, "resource=redis reason=stale stored=5000"));
        history.add(event(230, "c2", 1, Type.INVOKE, Op.RELEASE, 4000, -1, ""));
        history.add(event(231, "c2", 1, Type.OK, Op.RELEASE, 4000, -1, "outcome=RELEASED"));

        Checker.Findings findings = check(List.of(entry(5000, 1, "c1/1")), 1, 0, 400);

        assertThat(findings.fencedViolations()).as("the stale rejection shows a token that went backwards").isEqualTo(1);
        assertThat(findings.violations()).containsEntry("lock:token-not-increasing", 1);
        assertThat(findings.staleRejections()).isEqualTo(1);
        assertThat(findings.leasesLost()).as("c2's lease was not lost: its token was wrong").isZero();
        assertThat(findings.lostSignalsMissed()).isZero();
    }

    @Test
    void aGrantWithATokenThatWentBackwardsTakesTheLockFromTheEarlierHolder() {
        // c2 began after c1's grant and was granted while c1 held the lock: c1 lost it, although
        // its token is the greater; c1 was never told.
        hold("c1", 1, 100, 110, 900, 5000, 1);
        hold("c2", 1, 150, 300, 400, 4000, 2);

        Checker.Findings findings = check(List.of(entry(5000, 1, "c1/1"), entry(4000, 2, "c2/1")), 2, 0, 1000);

        assertThat(findings.violations()).containsEntry("lock:token-not-increasing", 1);
        assertThat(findings.leasesLost()).isEqualTo(1);
        assertThat(findings.examples()).filteredOn(violation -> violation.kind().equals("lost-signal-missed"))
                .singleElement().satisfies(violation -> assertThat(violation.description()).startsWith("c1/1"));
    }

    @Test
    void twoGrantsOfOneTokenAreReported() {
        hold("c1", 1, 100, 110, 200, 5000, 1);
        hold("c2", 1, 210, 220, 300, 5000, 2);

        Checker.Findings findings = check(List.of(entry(5000, 1, "c1/1"), entry(5000, 2, "c2/1")), 2, 0, 400);

        assertThat(findings.violations()).containsEntry("lock:duplicate-token", 1).containsEntry("redis:duplicate-token", 1);
    }

    @Test
    void aWriteTheClientSawAcceptedMustBeInTheLog() {
        hold("c1", 1, 100, 110, 200, 1000, 1);

        Checker.Findings findings = check(List.of(), 0, 0, 400);

        assertThat(findings.violations()).containsEntry("redis:acknowledged-write-missing", 1);
    }

    @Test
    void aLeaseOverlappedByANewerGrantAndNeverSignalledIsAMissedSignal() {
        hold("c1", 1, 100, 110, 900, 1000, 1);
        hold("c2", 1, 150, 300, 400, 2000, 1);

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1")), 1, 0, 1000);

        assertThat(findings.leasesLost()).isEqualTo(1);
        assertThat(findings.lostSignalsMissed()).isEqualTo(1);
        assertThat(findings.unfencedOverlaps()).isEqualTo(1);
        assertThat(findings.unfencedOverlapMillis()).as("while c2 held it").isEqualTo(100.0);
        assertThat(findings.examples()).extracting(Checker.Violation::leases).contains(List.of("c1/1", "c2/1"));
    }

    @Test
    void aSignalledLossIsNotMissedAndEndsTheBelief() {
        hold("c1", 1, 100, 110, 900, 1000, 1);
        hold("c2", 1, 150, 300, 400, 2000, 1);
        history.add(event(350, "c1", 1, Type.SIGNAL, Op.LOST, 1000, -1, "reason=EXPIRED"));

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1")), 1, 0, 1000);

        assertThat(findings.leasesLost()).isEqualTo(1);
        assertThat(findings.lostSignalsRaised()).isEqualTo(1);
        assertThat(findings.lostSignalsMissed()).isZero();
        assertThat(findings.unfencedOverlapMillis()).as("from c2's grant to c1's signal").isEqualTo(50.0);
    }

    @Test
    void aLossSignalledOnlyByAReleaseTwoLeasesAfterAnothersGrantIsLate() {
        // Leases of 100 ms: c2 is granted at 300, and c1, never frozen, is told only by its release at 900.
        hold("c1", 1, 100, 110, 900, 1000, 1, 100);
        hold("c2", 1, 150, 300, 400, 2000, 1, 100);
        history.removeIf(event -> event.process().equals("c1") && event.is(Type.OK, Op.RELEASE));
        history.add(event(900, "c1", 1, Type.SIGNAL, Op.LOST, 1000, -1, "reason=KEY_GONE"));
        history.add(event(901, "c1", 1, Type.OK, Op.RELEASE, 1000, -1, "outcome=ALREADY_LOST"));

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1")), 1, 0, 1000);

        assertThat(findings.lostSignalsMissed()).as("signalled, by the release").isZero();
        assertThat(findings.lostSignalsAtRelease()).isEqualTo(1);
        assertThat(findings.lostSignalsLate()).as("not told by 500, two leases after c2's grant").isEqualTo(1);
        assertThat(findings.examples()).extracting(Checker.Violation::kind).contains("lost-signal-late");
    }

    @Test
    void aLossDatesFromTheFirstGrantThatTookTheLockNotTheLast() {
        hold("c1", 1, 100, 110, 900, 1000, 1, 100);
        hold("c2", 1, 150, 300, 400, 2000, 1, 100);
        hold("c3", 1, 150, 600, 700, 3000, 2, 100);
        history.add(event(650, "c1", 1, Type.SIGNAL, Op.LOST, 1000, -1, "reason=KEY_GONE"));

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1"), entry(3000, 2, "c3/1")), 2, 0, 1000);

        assertThat(findings.lostSignalsLate()).as("told at 650, two leases after c2's grant at 300 ended at 500").isEqualTo(1);
        assertThat(findings.examples()).filteredOn(violation -> violation.kind().equals("lost-signal-late"))
                .singleElement().extracting(Checker.Violation::leases).isEqualTo(List.of("c1/1", "c2/1"));
    }

    @Test
    void aLossSignalledWithinTwoLeasesOfAnothersGrantOrToAFrozenHolderIsNotLate() {
        hold("c1", 1, 100, 110, 900, 1000, 1, 100);
        hold("c2", 1, 150, 300, 400, 2000, 1, 100);
        history.add(event(480, "c1", 1, Type.SIGNAL, Op.LOST, 1000, -1, "reason=KEY_GONE"));
        hold("c3", 1, 100, 1110, 1900, 3000, 2, 100);
        hold("c4", 1, 1150, 1300, 1400, 4000, 2, 100);
        // c3 frozen from 1200 to 1800: its watchdog could not run.
        history.add(event(1200, "nemesis", 0, Type.START, Op.FAULT, -1, -1, "kind=" + ClientPause.KIND + " target=c3 ms=600"));
        history.add(event(1800, "nemesis", 0, Type.END, Op.FAULT, -1, -1, "kind=" + ClientPause.KIND + " target=c3"));
        history.add(event(1850, "c3", 1, Type.SIGNAL, Op.LOST, 3000, -1, "reason=EXPIRED"));

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1"), entry(4000, 2, "c4/1")), 2, 0, 2000);

        assertThat(findings.leasesLost()).isEqualTo(2);
        assertThat(findings.lostSignalsLate()).isZero();
    }

    @Test
    void aStaleRejectionIsEvidenceOfALoss() {
        history.add(event(100, "c1", 1, Type.INVOKE, Op.ACQUIRE, -1, -1, ""));
        history.add(event(110, "c1", 1, Type.OK, Op.ACQUIRE, 1000, -1, ""));
        history.add(event(120, "c1", 1, Type.FAIL, Op.CLAIM, 1000, -1, "resource=redis reason=stale stored=2000"));
        history.add(event(130, "c1", 1, Type.INVOKE, Op.RELEASE, 1000, -1, ""));
        history.add(event(140, "c1", 1, Type.OK, Op.RELEASE, 1000, -1, "outcome=RELEASED"));

        Checker.Findings findings = check(List.of(), 0, 0, 400);

        assertThat(findings.staleRejections()).isEqualTo(1);
        assertThat(findings.lostSignalsMissed()).isEqualTo(1);
    }

    @Test
    void aReleaseThatFoundTheLeaseLostWithoutASignalIsAMissedSignal() {
        hold("c1", 1, 100, 110, 200, 1000, 1);
        history.removeIf(event -> event.is(Type.OK, Op.RELEASE));
        history.add(event(201, "c1", 1, Type.OK, Op.RELEASE, 1000, -1, "outcome=ALREADY_LOST"));

        Checker.Findings findings = check(List.of(entry(1000, 1, "c1/1")), 1, 0, 400);

        assertThat(findings.leasesLost()).isEqualTo(1);
        assertThat(findings.lostSignalsMissed()).as("no other evidence than the release's outcome").isEqualTo(1);
    }

    @Test
    void aLossWhoseReleaseFailedIsIndeterminateRatherThanMissed() {
        hold("c1", 1, 100, 110, 900, 1000, 1);
        history.removeIf(event -> event.is(Type.OK, Op.RELEASE));
        history.add(event(950, "c1", 1, Type.INFO, Op.RELEASE, 1000, -1, "error=unavailable"));
        hold("c2", 1, 150, 300, 400, 2000, 1);

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1")), 1, 0, 1000);

        assertThat(findings.lostSignalsMissed()).isZero();
        assertThat(findings.lostSignalsIndeterminate()).isEqualTo(1);
    }

    @Test
    void availabilityIsTheShareOfTheWindowInWhichSomeoneHeldTheLock() {
        hold("c1", 1, 100, 100, 300, 1000, 1);
        hold("c2", 1, 200, 300, 500, 2000, 2);

        Checker.Findings findings = check(List.of(entry(1000, 1, "c1/1"), entry(2000, 2, "c2/1")), 2, 0, 1000);

        assertThat(findings.availability()).isEqualTo(0.4);
        assertThat(findings.acquireLatencyMillis()).containsEntry("p50", 0.0).containsEntry("max", 100.0);
    }

    @Test
    void aRestartIsReportedWithTheTokensAroundIt() {
        hold("c1", 1, 100, 110, 200, 1000, 1);
        history.add(event(250, "nemesis", 0, Type.START, Op.FAULT, -1, -1, "kind=kill-restart-no-aof target=n0"));
        history.add(event(400, "nemesis", 0, Type.END, Op.FAULT, -1, -1,
                "kind=kill-restart-no-aof target=n0 counter_after_restart=nil server_time_us=3000"));
        hold("c2", 1, 410, 420, 500, 3001, 2);

        Checker.Findings findings = check(List.of(entry(1000, 1, "c1/1"), entry(3001, 2, "c2/1")), 2, 0, 1000);

        assertThat(findings.restarts()).singleElement().satisfies(restart -> assertThat(restart)
                .containsEntry("node", "n0").containsEntry("append_only", false).containsEntry("counter_after_restart", "nil")
                .containsEntry("last_token_before", 1000L).containsEntry("first_token_after", 3001L));
    }

    @Test
    void readersHoldingTheLockAtOnceShareItAndLoseNothing() {
        read("c1", 1, 100, 110, 300, 1000, 0, 0);
        read("c2", 1, 150, 200, 400, 2000, 0, 0);

        Checker.Findings findings = check(List.of(), 0, 0, 500);

        assertThat(findings.fencedViolations()).as("violations %s", findings.violations()).isZero();
        assertThat(findings.unfencedOverlaps()).isZero();
        assertThat(findings.unfencedOverlapMillis()).isZero();
        assertThat(findings.leasesLost()).isZero();
        assertThat(findings.reads()).isEqualTo(new Checker.ReadSharing(2, 1));
    }

    @Test
    void aWriterGrantedWhileAReaderStillHeldTookTheReadersLease() {
        read("c1", 1, 100, 110, 900, 1000, 0, 0);
        hold("c2", 1, 150, 300, 400, 2000, 1);

        Checker.Findings findings = check(List.of(entry(2000, 1, "c2/1")), 1, 0, 1000);

        assertThat(findings.unfencedOverlaps()).isEqualTo(1);
        assertThat(findings.unfencedOverlapMillis()).as("while c2 wrote").isEqualTo(100.0);
        assertThat(findings.leasesLost()).isEqualTo(1);
        assertThat(findings.lostSignalsMissed()).as("the reader was never told").isEqualTo(1);
    }

    @Test
    void aReaderWhoseGrantReachedItAfterAnotherReaderLetGoMayHoldTheSmallerToken() {
        // The server granted c1 and then c2 at once; c2 heard first, read and released before
        // c1's reply arrived.
        read("c1", 1, 100, 400, 500, 1000, 0, 0);
        read("c2", 1, 110, 200, 300, 1001, 0, 0);

        Checker.Findings findings = check(List.of(), 0, 0, 600);

        assertThat(findings.violations()).doesNotContainKey("lock:token-not-increasing");
    }

    @Test
    void aReaderGrantedAfterAWriterLetGoMustGetAGreaterToken() {
        hold("c1", 1, 100, 150, 300, 5000, 1);
        read("c2", 1, 110, 400, 500, 4000, 1, 1);

        Checker.Findings findings = check(List.of(entry(5000, 1, "c1/1")), 1, 0, 600);

        assertThat(findings.violations()).containsEntry("lock:token-not-increasing", 1);
    }

    @Test
    void aReaderThatSawTheCounterChangeWhileItHeldTheReadLockIsABreach() {
        read("c1", 1, 100, 110, 900, 1000, 0, 1);

        Checker.Findings findings = check(List.of(), 0, 0, 1000);

        assertThat(findings.violations()).containsEntry("redis:write-under-read-lock", 1);
    }

    @Test
    void asManyPermitsAsTheCountHeldAtOnceBreakNothing() {
        permit("c1", 1, 100, 110, 500, 1000);
        permit("c2", 1, 120, 130, 600, 1001);
        permit("c3", 1, 140, 510, 700, 1002);

        Checker.Findings findings = check(List.of(), 0, 0, 800);

        assertThat(LockUnderTest.PERMITS).as("the count these histories assume").isEqualTo(2);
        assertThat(findings.fencedViolations()).as("violations %s", findings.violations()).isZero();
        assertThat(findings.leasesLost()).isZero();
        assertThat(findings.reads()).as("permits granted, and while another was held").isEqualTo(new Checker.ReadSharing(3, 2));
    }

    @Test
    void aPermitGrantedWhileTheCountOfOthersWasValidIsOverAdmitted() {
        permit("c1", 1, 100, 110, 500, 1000);
        permit("c2", 1, 120, 130, 600, 1001);
        permit("c3", 1, 140, 300, 700, 1002);

        Checker.Findings findings = check(List.of(), 0, 0, 800);

        assertThat(findings.violations()).containsEntry("semaphore:over-admitted", 1);
    }

    @Test
    void aFrozenHoldersPermitStopsCountingAndItsLossMustBeSignalled() {
        permit("c1", 1, 100, 110, 1750, 1000);
        permit("c2", 1, 120, 130, 1400, 1001);
        // c1 frozen past its lease (1 s): its permit goes to c3 while c2 still holds, and c1 is never told.
        history.add(event(200, "nemesis", 0, Type.START, Op.FAULT, -1, -1, "kind=" + ClientPause.KIND + " target=c1 ms=1500"));
        history.add(event(1700, "nemesis", 0, Type.END, Op.FAULT, -1, -1, "kind=" + ClientPause.KIND + " target=c1"));
        permit("c3", 1, 140, 1300, 1800, 1002);

        Checker.Findings findings = check(List.of(), 0, 0, 2000);

        assertThat(findings.violations()).as("c1's permit ended at the freeze").doesNotContainKey("semaphore:over-admitted");
        assertThat(findings.leasesLost()).isEqualTo(1);
        assertThat(findings.lostSignalsMissed()).as("c1 held across a freeze longer than its lease, unsignalled").isEqualTo(1);
    }

    @Test
    void aPermitHeldWhenAServerWithoutPersistenceWasKilledWasLost() {
        permit("c1", 1, 100, 110, 900, 1000);
        history.add(event(300, "nemesis", 0, Type.START, Op.FAULT, -1, -1, "kind=" + NodeKill.KIND_NO_PERSISTENCE + " target=n0"));
        history.add(event(350, "nemesis", 0, Type.END, Op.FAULT, -1, -1, "kind=" + NodeKill.KIND_NO_PERSISTENCE + " target=n0"));
        history.add(event(400, "c1", 1, Type.SIGNAL, Op.LOST, 1000, -1, "reason=KEY_GONE"));

        Checker.Findings findings = check(List.of(), 0, 0, 1000);

        assertThat(findings.leasesLost()).isEqualTo(1);
        assertThat(findings.lostSignalsMissed()).isZero();
    }

    @Test
    void aLostPermitIsNotCountedSinceTheServerMayHaveLetItGoBeforeItsSignal() {
        // c1's lease ran out on the server before c3's grant; its watchdog said so a little later.
        permit("c1", 1, 100, 110, 600, 1000);
        history.add(event(450, "c1", 1, Type.SIGNAL, Op.LOST, 1000, -1, "reason=EXPIRED"));
        permit("c2", 1, 120, 130, 700, 1001);
        permit("c3", 1, 140, 400, 800, 1002);

        Checker.Findings findings = check(List.of(), 0, 0, 1000);

        assertThat(findings.violations()).doesNotContainKey("semaphore:over-admitted");
    }

    @Test
    void aPermitReleasedBeforeTheFreezeLandedWasNotLost() {
        // The nemesis logs the freeze before the signal lands: c1 still released, and then was frozen.
        permit("c1", 1, 100, 110, 230, 1000);
        history.add(event(200, "nemesis", 0, Type.START, Op.FAULT, -1, -1, "kind=" + ClientPause.KIND + " target=c1 ms=2000"));
        history.add(event(2200, "nemesis", 0, Type.END, Op.FAULT, -1, -1, "kind=" + ClientPause.KIND + " target=c1"));

        Checker.Findings findings = check(List.of(), 0, 0, 2500);

        assertThat(findings.leasesLost()).isZero();
        assertThat(findings.lostSignalsMissed()).isZero();
    }

    /** One round of a semaphore's permit, with a lease of 1 s: acquire, read 0 at the start and the end, release. */
    private void permit(String client, long lease, long invokedAt, long grantedAt, long releasedAt, long token) {
        history.add(event(invokedAt, client, lease, Type.INVOKE, Op.ACQUIRE, -1, -1, "kind=permit lease_ms=1000"));
        history.add(event(grantedAt, client, lease, Type.OK, Op.ACQUIRE, token, -1, ""));
        history.add(event(grantedAt + 1, client, lease, Type.OK, Op.READ, token, 0, "resource=redis at=start"));
        history.add(event(releasedAt - 1, client, lease, Type.OK, Op.READ, token, 0, "resource=redis at=end"));
        history.add(event(releasedAt, client, lease, Type.INVOKE, Op.RELEASE, token, -1, ""));
        history.add(event(releasedAt + 1, client, lease, Type.OK, Op.RELEASE, token, -1, "outcome=RELEASED"));
    }

    /** One round of a reader: acquire, read {@code first} at the start and {@code last} at the end, release. */
    private void read(String client, long lease, long invokedAt, long grantedAt, long releasedAt, long token, long first, long last) {
        history.add(event(invokedAt, client, lease, Type.INVOKE, Op.ACQUIRE, -1, -1, "kind=read"));
        history.add(event(grantedAt, client, lease, Type.OK, Op.ACQUIRE, token, -1, ""));
        history.add(event(grantedAt + 1, client, lease, Type.OK, Op.READ, token, first, "resource=redis at=start"));
        history.add(event(releasedAt - 1, client, lease, Type.OK, Op.READ, token, last, "resource=redis at=end"));
        history.add(event(releasedAt, client, lease, Type.INVOKE, Op.RELEASE, token, -1, ""));
        history.add(event(releasedAt + 1, client, lease, Type.OK, Op.RELEASE, token, -1, "outcome=RELEASED"));
    }

    /** One round of a client: acquire, claim, write {@code value} (accepted), release (RELEASED). */
    private void hold(String client, long lease, long invokedAt, long grantedAt, long releasedAt, long token, long value) {
        hold(client, lease, invokedAt, grantedAt, releasedAt, token, value, 0);
    }

    /** As the other, for an acquisition that recorded its lease of {@code leaseMillis} (0: none). */
    private void hold(String client, long lease, long invokedAt, long grantedAt, long releasedAt, long token, long value,
            long leaseMillis) {
        history.add(event(invokedAt, client, lease, Type.INVOKE, Op.ACQUIRE, -1, -1, leaseMillis == 0 ? "" : "lease_ms=" + leaseMillis));
        history.add(event(grantedAt, client, lease, Type.OK, Op.ACQUIRE, token, -1, ""));
        history.add(event(grantedAt + 1, client, lease, Type.OK, Op.CLAIM, token, value - 1, "resource=redis"));
        history.add(event(releasedAt - 2, client, lease, Type.OK, Op.WRITE, token, value, "resource=redis"));
        history.add(event(releasedAt, client, lease, Type.INVOKE, Op.RELEASE, token, -1, ""));
        history.add(event(releasedAt + 1, client, lease, Type.OK, Op.RELEASE, token, -1, "outcome=RELEASED"));
    }

    private static Event event(long millis, String process, long lease, Type type, Op op, long token, long value, String detail) {
        return new Event(millis * 1_000_000, millis, process, lease, type, op, token, value, detail);
    }

    private static Entry entry(long token, long value, String writer) {
        return new Entry(token, value, writer);
    }

    private Checker.Findings check(List<Entry> log, long counter, long windowStartMillis, long windowEndMillis) {
        return check(log, counter, true, windowStartMillis, windowEndMillis);
    }

    private Checker.Findings check(List<Entry> log, long counter, boolean fenced, long windowStartMillis, long windowEndMillis) {
        return Checker.check(history, List.of(new Audit("redis", fenced, log, counter)),
                windowStartMillis * 1_000_000, windowEndMillis * 1_000_000, List.of());
    }
}
