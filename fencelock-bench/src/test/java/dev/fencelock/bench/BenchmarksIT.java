package dev.fencelock.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A smoke run of every scenario and system, in seconds: the harness works and its JSON has the
 * documented shape. Ratios are judged from the full run in BENCHMARKS.md, never asserted here.
 */
class BenchmarksIT {

    @Test
    void everyScenarioReportsEverySystemInTheDocumentedShape(@TempDir Path dir) throws Exception {
        List<Result> results = new Benchmarks(Benchmarks.Settings.SMOKE).run();

        assertThat(results).extracting(r -> r.scenario() + ":" + r.system()).containsExactly(
                "1:ping", "1:lettuce-setnx", "1:fencelock", "1:redisson", "1:curator",
                "2:lettuce-setnx", "2:fencelock", "2:redisson", "2:curator",
                "3:lettuce-setnx", "3:fencelock", "3:redisson", "3:curator",
                "4:fencelock-redlock", "4:redisson-redlock",
                "5:fencelock", "5:redisson",
                "6:fencelock", "6:redisson");
        for (Result result : results.stream().filter(r -> r.scenario() <= 4).toList()) {
            assertThat(result.figures()).as("%s", result).containsKeys("ops_per_s", "p50_us", "p99_us", "p999_us");
            assertThat(result.get("ops_per_s")).as("%s", result).isPositive();
        }
        assertThat(results.stream().filter(r -> r.scenario() == 5))
                .allSatisfy(r -> assertThat(r.figures()).containsKeys("renewal_commands_per_s", "heap_bytes_per_lease"));
        assertThat(results.stream().filter(r -> r.scenario() == 6))
                .allSatisfy(r -> assertThat(r.get("commands_per_handoff")).isPositive());

        Path json = Benchmarks.writeJson(results, dir.resolve("bench-results.json"));
        String text = Files.readString(json);
        assertThat(text).startsWith("[").contains("{\"scenario\":1,\"system\":\"fencelock\",\"ops_per_s\":");
    }
}
