package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every lock name is one path segment that ZooKeeper accepts, and comes back unchanged. */
class LockPathsTest {

    @Test
    void aPlainNameIsItsOwnSegmentSoThatCuratorRecipesFindIt() {
        assertThat(LockPaths.lockPath("/fencelock", "orders:42")).isEqualTo("/fencelock/orders:42");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jobs/nightly", "100%", ".", "..", "tab\there", "\u0085", "emoji \ud83d\udd12", "\uffff", "a.b"})
    void namesZooKeeperWouldRefuseAreEscapedAndComeBack(String name) {
        String segment = LockPaths.escape(name);

        assertThat(segment).doesNotContain("/").isNotIn(".", "..");
        assertThat(segment.chars()).noneMatch(c -> c < 0x20 || c >= 0x7f && c <= 0x9f || c >= 0xd800 && c <= 0xf8ff || c >= 0xfff0);
        assertThat(LockPaths.unescape(segment)).isEqualTo(name);
    }

    @Test
    void aSegmentThatIsNoEscapedNameIsNoLock() {
        assertThat(LockPaths.unescape("broken%zz")).isNull();
        assertThat(LockPaths.unescape("short%00")).isNull();
    }
}
