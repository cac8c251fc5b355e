package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientConfigTest {

    @Test
    void aConfigSurvivesTheCommandLineWithSentinelAndRedlockUrisAndEveryLock() {
        List<List<String>> uriLists = List.of(
                List.of("redis-sentinel://127.0.0.1:1,127.0.0.1:2,127.0.0.1:3#main"),
                List.of("redis://127.0.0.1:1", "redis://10.231.7.2:6390", "redis://127.0.0.1:3"));
        for (LockUnderTest lock : LockUnderTest.values()) {
            List<String> uris = uriLists.get(lock.ordinal() % uriLists.size());
            ClientConfig config = new ClientConfig(3, lock, uris, "redis://127.0.0.1:9", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
                    "fencelock_verify_1a", true, lock.ordinal() % 2 == 0, Path.of("target/h.log"), -17, Duration.ofSeconds(1), Duration.ofMillis(10),
                    Duration.ofMillis(100), 10, Duration.ofMillis(1500), Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofMillis(100));

            assertThat(ClientConfig.parse(config.toArgs())).isEqualTo(config);
        }
    }
}
