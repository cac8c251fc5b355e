package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a round over five Redlock masters (quorum 3) is decided. */
class TallyTest {
    private static final int QUORUM = 3;

    @Test
    void aReleaseWaitsForTheSilentMasterThatHoldsTheLeaseWhereAnAcquisitionWouldNot() {
        // Held on masters 1 to 3; 1 and 2 released it, 4 and 5 never had it, and 3 timed out once before.
        Tally release = new Tally(2, 2, 0, 1, 0, 1);

        assertThat(release.isDecided(QUORUM)).as("the release, until master 3 answers").isFalse();
        assertThat(release.isAcquisitionDecided(QUORUM)).as("an acquisition's split vote").isTrue();
    }

    @Test
    void aSilentMasterIsWaitedForByAnAcquisitionWhenTheOthersCannotMakeAMajority() {
        // Two answered, two are down for good, and the fifth timed out once before.
        Tally acquisition = new Tally(2, 0, 0, 3, 0, 1);

        assertThat(acquisition.isAcquisitionDecided(QUORUM)).isFalse();
        assertThat(acquisition.isDecided(QUORUM)).isFalse();
    }

    @Test
    void aMajorityOfYesOrTooFewLeftToAnswerDecides() {
        assertThat(new Tally(3, 0, 0, 2, 1, 1).isDecided(QUORUM)).as("a majority said yes").isTrue();
        assertThat(new Tally(1, 2, 0, 2, 0, 1).isDecided(QUORUM)).as("two yes at most").isTrue();
        assertThat(new Tally(1, 1, 0, 3, 2, 0).isDecided(QUORUM)).as("three yes still possible").isFalse();
    }
}
