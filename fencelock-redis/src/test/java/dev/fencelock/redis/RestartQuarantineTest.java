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
        assertThat(quarantine.isRestart(start("a", 0))).isFalse();
        assertThat(quarantine.allowsGrants()).isTrue();
    }

    @Test
    void anotherProcessAfterAReconnectIsARestartAndTheSameIsNot() {
        quarantine.isRestart(start("a", 5_000));
        assertThat(quarantine.isRestart(start("a", 5_010))).as("the same process, reconnected").isFalse();
        assertThat(quarantine.isRestart(start("b", 3))).as("a new process").isTrue();
        assertThat(quarantine.isRestart(start("b", 9))).as("that one again").isFalse();
    }

    @Test
    void aMasterJoiningAfterCreationIsARestartWhileItIsYoungerThanTheQuarantine() {
        RestartQuarantine young = joiningLate(LENGTH);
        assertThat(young.isRestart(start("a", 29))).isTrue();
        assertThat(young.isRestart(start("a", 29))).as("the same process, seen again").isFalse();
        assertThat(joiningLate(LENGTH).isRestart(start("a", 30))).as("started a quarantine ago").isFalse();
    }

    @Test
    void aZeroQuarantineSeesNoRestartAndHoldsNothingBack() {
        RestartQuarantine off = joiningLate(Duration.ZERO);
        assertThat(off.isRestart(start("a", 0))).isFalse();
        assertThat(off.isRestart(start("b", 0))).isFalse();
        off.restarted(RestartQuarantine.Start.UNKNOWN);
        assertThat(off.allowsGrants()).isTrue();
    }

    @Test
    void aRestartedMasterGrantsNothingUntilTheQuarantineHasPassedSinceItStarted() {
        quarantine.restarted(start("b", 10));
        assertThat(quarantine.allowsGrants()).isFalse();
        assertThat(quarantine.refusal()).hasMessageContaining("127.0.0.1:7000 restarted")
                .hasMessageContaining("grants nothing for 20000 ms more").hasMessageContaining("redlockRestartQuarantine");
        now.addAndGet(Duration.ofSeconds(20).toNanos() - 1);
        assertThat(quarantine.allowsGrants()).as("a nanosecond before the end").isFalse();
        now.addAndGet(1);
        assertThat(quarantine.allowsGrants()).as("at the end: 30 s after its start").isTrue();
    }

    @Test
    void aSecondRestartStartsAQuarantineOfItsOwn() {
        quarantine.restarted(start("b", 0));
        now.addAndGet(LENGTH.toNanos());
        assertThat(quarantine.allowsGrants()).isTrue();
        quarantine.restarted(start("c", 1));
        assertThat(quarantine.allowsGrants()).isFalse();
    }

    @Test
    void onlyAnAppendOnlyFileSyncedOnEveryWriteKeepsEveryWrite() {
        String aof = "# Persistence\r\nloading:0\r\naof_enabled:1\r\naof_rewrite_in_progress:0\r\n";
        String noAof = "# Persistence\r\nloading:0\r\naof_enabled:0\r\n";
        assertThat(RestartQuarantine.keepsEveryWrite(aof, "always")).isTrue();
        assertThat(RestartQuarantine.keepsEveryWrite(aof, "everysec")).as("up to a second of writes lost").isFalse();
        assertThat(RestartQuarantine.keepsEveryWrite(aof, null)).as("CONFIG GET refused: unknown").isFalse();
        assertThat(RestartQuarantine.keepsEveryWrite(noAof, "always")).isFalse();
    }
}
