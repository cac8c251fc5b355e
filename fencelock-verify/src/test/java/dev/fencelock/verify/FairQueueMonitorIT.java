package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.testkit.Poll;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fair queue's observer on a real server: a watch that ends early says so. */
class FairQueueMonitorIT {

    @Test
    void aLineTheObserverCannotReadFailsTheScenarioRatherThanEndingTheWatchUnseen(@TempDir Path dir) throws Exception {
        try (KitRedis node = KitRedis.start("fair", false)) {
            FairQueueMonitor monitor = FairQueueMonitor.start(node, new HistoryWriter(dir.resolve("history-queue.log"), FairOrder.PROCESS));
            try {
                // A script's grant whose fence counter is no number, as no script of the lock writes it.
                node.server().call("EVAL", "redis.call('SET', KEYS[1], 'owner-a'); redis.call('SET', KEYS[2], 'not-a-token')",
                        "2", NodeKill.LOCK_KEY, NodeKill.FENCE_KEY);

                Poll.until("the observer's failure reported", Duration.ofSeconds(10), () -> monitor.failure().isPresent());
                assertThat(monitor.failure()).hasValueSatisfying(failure -> assertThat(failure).contains("not-a-token"));
            } finally {
                monitor.close();
            }
        }
    }
}
