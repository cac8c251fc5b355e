package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.redis.RestartQuarantine.Probe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When a Redlock master counts as restarted without its data, and how long it then grants nothing, on a clock the test moves. */
class RestartQuarantineTest {
    private static final Duration LENGTH = Duration.ofSeconds(30);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RestartQuarantine quarantine = new RestartQuarantine(LENGTH, "127.0.0.1:7000", false, now::get);

    /** A server that persists nothing. */
    private static Probe volatileServer(String runId, long uptimeSeconds) {
        return new Probe(runId, Duration.ofSeconds(uptimeSeconds), false, runId);
    }

    /** A server that syncs every write to its append-only file, its marker {@code marker}. */
    private static Probe syncingServer(String runId, String marker) {
        return new Probe(runId, Duration.ofSeconds(1), true, marker);
    }

    private RestartQuarantine joiningLate() {
        return new RestartQuarantine(LENGTH, "127.0.0.1:7001", true, now::get);
    }

    @Test
    void readsTheProbesReplyAndTheFsyncPolicy() {
        assertThat(Probe.of(List.of("8f3c2a41", "42", "1", "77aa01"), "always"))
                .isEqualTo(new Probe("8f3c2a41", Duration.ofSeconds(42), true, "77aa01"));
        assertThat(Probe.of(List.of("8f3c2a41", "42", "1", "77aa01"), "everysec").syncsEveryWrite())
                .as("up to a second of writes lost").isFalse();
        assertThat(Probe.of(List.of("8f3c2a41", "42", "1", "77aa01"), null).syncsEveryWrite())
                .as("CONFIG GET refused: unknown").isFalse();
        assertThat(Probe.of(List.of("8f3c2a41", "42", "0", "77aa01"), "always").syncsEveryWrite()).as("no append-only file").isFalse();
    }

    @Test
    void aMasterReachedAtCreationIsTakenAsItIsHoweverYoung() {
        quarantine.observe(volatileServer("a", 0));
        assertThat(quarantine.allowsGrants()).isTrue();
    }

    @Test
    void anotherProcessAfterAReconnectGrantsNothingForTheQuarantineFromNow() {
        quarantine.observe(volatileServer("a", 5_000));
        quarantine.observe(volatileServer("a", 5_010));
        assertThat(quarantine.allowsGrants()).as("the same process, reconnected").isTrue();
        quarantine.observe(volatileServer("b", 3));
        assertThat(quarantine.allowsGrants()).as("a new process").isFalse();
        assertThat(quarantine.refusal()).hasMessageContaining("127.0.0.1:7000 restarted")
                .hasMessageContaining("grants nothing for 30000 ms more").hasMessageContaining("redlockRestartQuarantine 30000 ms");
        now.addAndGet(LENGTH.toNanos() - 1);
        assertThat(quarantine.allowsGrants()).as("a nanosecond before the end: its uptime, a wall clock's, is not credited").isFalse();
        now.addAndGet(1);
        assertThat(quarantine.allowsGrants()).isTrue();
    }

    @Test
    void aServerThatNamesNoProcessIsTakenAsRestartedAtEveryReconnect() {
        quarantine.observe(volatileServer("", 100));
        quarantine.observe(volatileServer("", 101));
        assertThat(quarantine.allowsGrants()).isFalse();
    }

    @Test
    void aMasterJoiningAfterCreationIsARestartWhileItIsYoungerThanTheQuarantine() {
        RestartQuarantine young = joiningLate();
        young.observe(volatileServer("a", 29));
        assertThat(young.allowsGrants()).isFalse();
        RestartQuarantine old = joiningLate();
        old.observe(volatileServer("a", 30));
        assertThat(old.allowsGrants()).as("started a quarantine ago").isTrue();
    }

    @Test
    void aZeroQuarantineHoldsNothingBack() {
        RestartQuarantine off = new RestartQuarantine(Duration.ZERO, "127.0.0.1:7000", true, now::get);
        off.observe(volatileServer("a", 0));
        off.observe(volatileServer("b", 0));
        off.unchecked();
        assertThat(off.allowsGrants()).isTrue();
    }

    @Test
    void aRestartThatCouldNotBeCheckedIsQuarantined() {
        quarantine.unchecked();
        assertThat(quarantine.allowsGrants()).isFalse();
    }

    @Test
    void aRestartThatReloadedEveryWriteIsNotHeldBack() {
        quarantine.observe(syncingServer("a", "m"));
        quarantine.observe(syncingServer("b", "m"));
        assertThat(quarantine.allowsGrants()).isTrue();
    }

    @Test
    void aMarkerOtherThanTheOneSeenBeforeShowsALossThoughTheServerSyncsEveryWrite() {
        assertThat(RestartQuarantine.keptEveryWrite(syncingServer("a", "m"), syncingServer("b", "b")))
                .as("the file lost: the marker written anew by the new process").isFalse();
        assertThat(RestartQuarantine.keptEveryWrite(syncingServer("a", "m"), syncingServer("c", "b")))
                .as("a file reloaded from a process after the one seen, which had lost the data").isFalse();
        assertThat(RestartQuarantine.keptEveryWrite(volatileServer("a", 10), syncingServer("b", "a")))
                .as("synced only after the restart").isFalse();
        quarantine.observe(syncingServer("a", "m"));
        quarantine.observe(syncingServer("b", "b"));
        assertThat(quarantine.allowsGrants()).isFalse();
    }

    @Test
    void aMasterFirstSeenAfterItsRestartHasAMarkerOfAnEarlierProcessOrNone() {
        assertThat(RestartQuarantine.keptEveryWrite(null, syncingServer("b", "a"))).as("written by an earlier process").isTrue();
        assertThat(RestartQuarantine.keptEveryWrite(null, syncingServer("b", "b"))).as("written by this one: no evidence").isFalse();
        assertThat(RestartQuarantine.keptEveryWrite(null, syncingServer("", ""))).as("no run id").isFalse();
    }
}
