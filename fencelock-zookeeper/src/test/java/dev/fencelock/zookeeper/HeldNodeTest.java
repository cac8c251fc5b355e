package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A node shared by a write lease and its downgrade goes with the last of them, and only then. */
class HeldNodeTest {
    private final HeldNode written = new HeldNode("writer", new LockNode("/locks/ledger", "lock-0000000000", 7, 1));

    @Test
    void aSharedNodeMayGoWhenBothLeasesLetGoInEitherOrder() {
        HeldNode read = written.sharedWith("reader");

        assertThat(read.node()).isEqualTo(written.node());
        assertThat(read.owner()).isEqualTo("reader");
        assertThat(read.letGo()).as("the read lets go first").isFalse();
        assertThat(read.isHeld()).as("by the write lease, after the read let go").isTrue();
        assertThat(written.letGo()).as("then the write").isTrue();
        assertThat(read.isHeld()).as("by nobody, after both let go").isFalse();

        HeldNode again = new HeldNode("writer", written.node());
        HeldNode readAgain = again.sharedWith("reader");
        assertThat(again.letGo()).as("the write lets go first").isFalse();
        assertThat(readAgain.letGo()).as("then the read").isTrue();
    }

    @Test
    void aNodeWhoseLastLeaseLetGoIsNotSharedBackToLife() {
        assertThat(written.letGo()).isTrue();

        assertThat(written.sharedWith("reader")).as("a downgrade after the write lease let go on another thread").isNull();
    }
}
