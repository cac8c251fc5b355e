package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.spi.LockKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who holds and who waits for whom, in Curator's layout, without a server. */
class LockNodesTest {
    private static final String CURATOR_MUTEX = "_c_1b8a0d4e-7e55-4f1c-a7b6-0c2f8a9d1e11-lock-0000000003";
    private static final String FENCELOCK = "_c_2c9b1e5f-8f66-4a2d-b8c7-1d3a9b0e2f22-lock-0000000001";
    private static final String READER = "_c_3dac2f60-9077-4b3e-c9d8-2e4bac1f3a33-__READ__0000000002";
    private static final String CURATOR_WRITER = "_c_4ebd3071-a188-4c4f-dae9-3f5cbd2a4b44-__WRIT__0000000004";
    private static final String READER_LATE = "_c_5fce4182-b299-4d50-ebfa-406dce3b5c55-__READ__0000000005";

    @Test
    void participantsAreOrderedByTheirSequenceWhateverTheirPrefix() {
        List<String> ordered = LockNodes.ordered(List.of(READER_LATE, CURATOR_MUTEX, "not-a-participant", READER,
                CURATOR_WRITER, FENCELOCK));

        assertThat(ordered).containsExactly(FENCELOCK, READER, CURATOR_MUTEX, CURATOR_WRITER, READER_LATE);
    }

    @Test
    void anExclusiveNodeWaitsForItsPredecessorOnly() {
        List<String> ordered = LockNodes.ordered(List.of(FENCELOCK, READER, CURATOR_MUTEX));

        assertThat(LockNodes.blocker(LockKind.PLAIN, ordered, FENCELOCK, null)).isNull();
        assertThat(LockNodes.blocker(LockKind.PLAIN, ordered, CURATOR_MUTEX, null)).isEqualTo(READER);
        assertThat(LockNodes.blocker(LockKind.FAIR, ordered, READER, null)).isEqualTo(FENCELOCK);
    }

    @Test
    void aReaderWaitsForTheNearestExclusiveNodeBeforeItExceptItsOwnWriteLease() {
        List<String> ordered = LockNodes.ordered(List.of(FENCELOCK, READER, CURATOR_MUTEX, CURATOR_WRITER, READER_LATE));

        assertThat(LockNodes.blocker(LockKind.READ, ordered, READER, null)).isEqualTo(FENCELOCK);
        assertThat(LockNodes.blocker(LockKind.READ, ordered, READER, FENCELOCK)).as("a downgrade").isNull();
        assertThat(LockNodes.blocker(LockKind.READ, ordered, READER_LATE, null)).isEqualTo(CURATOR_WRITER);
        assertThat(LockNodes.blocker(LockKind.READ, List.of(READER, READER_LATE), READER_LATE, null)).isNull();
    }

    @Test
    void aDowngradeBehindAWriterQueuedAfterItsWriteLeaseIsToldByTheBlockersPlace() {
        List<String> ordered = LockNodes.ordered(List.of(FENCELOCK, CURATOR_MUTEX, READER_LATE));

        String blocker = LockNodes.blocker(LockKind.READ, ordered, READER_LATE, FENCELOCK);

        assertThat(blocker).as("the writer queued behind the write lease").isEqualTo(CURATOR_MUTEX);
        assertThat(LockNodes.isBefore(ordered, FENCELOCK, blocker)).as("the write lease before the blocker").isTrue();
        assertThat(LockNodes.isBefore(ordered, blocker, FENCELOCK)).isFalse();
        assertThat(LockNodes.isBefore(ordered, READER, blocker)).as("a node that is not queued").isFalse();
    }

    @Test
    void theHoldersAreTheFirstExclusiveNodeOrTheLeadingReaders() {
        assertThat(LockNodes.holders(List.of())).isEmpty();
        assertThat(LockNodes.holders(LockNodes.ordered(List.of(CURATOR_MUTEX, READER)))).containsExactly(READER);
        assertThat(LockNodes.holders(LockNodes.ordered(List.of(READER_LATE, READER, CURATOR_WRITER))))
                .containsExactly(READER);
        assertThat(LockNodes.holders(LockNodes.ordered(List.of(FENCELOCK, READER)))).containsExactly(FENCELOCK);
    }
}
