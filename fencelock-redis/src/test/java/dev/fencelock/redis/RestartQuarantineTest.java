package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.redis.RestartQuarantine.Start;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When a Redlock master counts as restarted, and how long it then grants nothing, on a clock the test moves. */
class RestartQuarantineTest {
    private static final Duration LENGTH = Duration.ofSeconds(30);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RestartQuarantine quarantine = new RestartQuarantine(LENGTH, "127.0.0.1:7000", false, now::get);

    private static Start start(String runId, long uptimeSeconds) {
        return new Start(runId, Duration.ofSeconds(uptimeSeconds));
    }

    @Test
    void readsTheProcessAndItsUptimeFromInfoServer() {
        String info = "# Server\r\nredis_version:7.0.15\r\nrun_id:8f3c2a41d0e5\r\ntcp_port:7000\r\nuptime_in_seconds:42\r\n";
        assertThat(Start.of(info)).isEqualTo(start("8f3c2a41d0e5", 42));
        assertThat(Start.of("# Server\r\n")).as("a reply without them: taken as started now").isEqualTo(start("", 0));
    }

    private RestartQuarantine joiningLate(Duration length) {
        return new RestartQuarantine(length, "127.0.0.1:7001", true, now::get);
    }

    @Test
    void aMasterReachedAtCreationIsTakenAsItIsHoweverYoung() {
        assertThat(quarantine.restartSeen(start("a", 0))).isEmpty();
        assertThat(quarantine.allowsGrants()).isTrue();
    }

    @Test
    void anotherProcessAfterAReconnectIsARestartOfNowAndTheSameIsNot() {
        quarantine.restartSeen(start("a", 5_000));
        assertThat(quarantine.restartSeen(start("a", 5_010))).as("the same process, reconnected").isEmpty();
        assertThat(quarantine.restartSeen(start("b", 3))).as("a new process: its uptime follows a wall clock, not credited")
                .contains(Duration.ZERO);
        assertThat(quarantine.restartSeen(start("b", 9))).as("that one again").isEmpty();
    }

    @Test
    void aServerThatNamesNoProcessIsTakenAsRestartedAtEveryReconnect() {
        quarantine.restartSeen(start("", 100));
        assertThat(quarantine.restartSeen(start("", 101))).contains(Duration.ZERO);
    }

    @Test
    void aMasterJoiningAfterCreationIsARestartOfItsStartWhileItIsYoungerThanTheQuarantine() {
        RestartQuarantine young = joiningLate(LENGTH);
        assertThat(young.restartSeen(start("a", 29))).contains(Duration.ofSeconds(29));
        assertThat(young.restartSeen(start("a", 29))).as("the same process, seen again").isEmpty();
        assertThat(joiningLate(LENGTH).restartSeen(start("a", 30))).as("started a quarantine ago").isEmpty();
    }

    @Test
    void aZeroQuarantineSeesNoRestartAndHoldsNothingBack() {
        RestartQuarantine off = joiningLate(Duration.ZERO);
        assertThat(off.restartSeen(start("a", 0))).isEmpty();
        assertThat(off.restartSeen(start("b", 0))).isEmpty();
        off.restarted(Duration.ZERO);
        assertThat(off.allowsGrants()).isTrue();
    }

    @Test
    void aRestartedMasterGrantsNothingUntilTheQuarantineHasPassedSinceTheRestart() {
        quarantine.restarted(Duration.ofSeconds(10));
        assertThat(quarantine.allowsGrants()).isFalse();
        assertThat(quarantine.refusal()).hasMessageContaining("127.0.0.1:7000 restarted")
                .hasMessageContaining("grants nothing for 20000 ms more").hasMessageContaining("redlockRestartQuarantine 30000 ms");
        now.addAndGet(Duration.ofSeconds(20).toNanos() - 1);
        assertThat(quarantine.allowsGrants()).as("a nanosecond before the end").isFalse();
        now.addAndGet(1);
        assertThat(quarantine.allowsGrants()).as("at the end: 30 s after the restart").isTrue();
    }

    @Test
    void aLaterRestartExtendsTheQuarantineAndAnEarlierOneDoesNotShortenIt() {
        quarantine.restarted(Duration.ZERO);
        now.addAndGet(Duration.ofSeconds(25).toNanos());
        quarantine.restarted(Duration.ofSeconds(28));
        assertThat(quarantine.allowsGrants()).as("still 5 s of the first").isFalse();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(quarantine.allowsGrants()).isTrue();
        quarantine.restarted(Duration.ZERO);
        assertThat(quarantine.allowsGrants()).as("a new restart").isFalse();
    }

    @Test
    void onlyAReloadedAppendOnlyFileSyncedOnEveryWriteKeptEveryWrite() {
        String aof = "# Persistence\r\nloading:0\r\naof_enabled:1\r\naof_rewrite_in_progress:0\r\n";
        String noAof = "# Persistence\r\nloading:0\r\naof_enabled:0\r\n";
        assertThat(RestartQuarantine.keptEveryWrite(aof, "always", true)).isTrue();
        assertThat(RestartQuarantine.keptEveryWrite(aof, "always", false)).as("the file lost: the marker is gone").isFalse();
        assertThat(RestartQuarantine.keptEveryWrite(aof, "everysec", true)).as("up to a second of writes lost").isFalse();
        assertThat(RestartQuarantine.keptEveryWrite(aof, null, true)).as("CONFIG GET refused: unknown").isFalse();
        assertThat(RestartQuarantine.keptEveryWrite(noAof, "always", true)).isFalse();
    }
}
