package dev.fencelock.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A smoke run of every scenario and system, in seconds: the harness works and its JSON has the
 * documented shape (a figure that is NaN, as a percentile of no samples is, counts as missing: AssertJ
 * takes NaN for positive). Ratios are judged from the full run in BENCHMARKS.md, never asserted here.
 */
class BenchmarksIT {

    @Test
    void everyScenarioReportsEverySystemInTheDocumentedShape(@TempDir Path dir) throws Exception {
        List<Result> results = new Benchmarks(Settings.SMOKE).run();

        assertThat(results).extracting(r -> r.scenario() + ":" + r.system()).as("rows, in order").containsExactly(
                "1:ping", "1:lettuce-setnx", "1:fencelock", "1:redisson", "1:curator", "1:fencelock-zookeeper",
                "1:lettuce-setnx interleaved", "1:fencelock interleaved", "1:fencelock acquire+close interleaved",
                "2:lettuce-setnx", "2:fencelock", "2:redisson", "2:curator", "2:fencelock-zookeeper",
                "3:lettuce-setnx", "3:fencelock", "3:redisson", "3:curator", "3:fencelock-zookeeper",
                "3:" + Benchmarks.FENCELOCK_FAIR,
                "4:fencelock", "4:redisson-redlock", "4:fencelock, 1 master SIGSTOPped",
                "5:fencelock", "5:redisson", "5:fencelock", "5:redisson",
                "6:fencelock", "6:redisson", "6:fencelock", "6:redisson", "6:curator", "6:fencelock-zookeeper",
                "6:curator", "6:fencelock-zookeeper",
                "7:fencelock", "7:redisson", "7:fencelock", "7:redisson",
                "8:fencelock", "8:redisson",
                "9:fencelock", "9:redisson",
                "10:fencelock", "10:redisson", "11:fencelock", "11:redisson", "12:fencelock", "12:redisson",
                "13:fencelock", "13:redisson", "13:" + ClusterBus.REDISSON_CLASSIC, "13:fencelock", "13:redisson");
        for (Result result : results.stream().filter(r -> r.scenario() <= 4 || Report.LOOPS.contains(r.scenario())).toList()) {
            assertThat(result.fields()).as("%s", result).containsKeys("ops_per_s", "p50_us", "p99_us", "p999_us");
            assertThat(result.get("ops_per_s")).as("%s", result).isNotNaN().isPositive();
            assertThat(result.get("p50_us")).as("%s", result).isNotNaN().isPositive().isLessThanOrEqualTo(result.get("p99_us"));
        }
        assertThat(results.stream().filter(r -> r.scenario() == 3))
                .allSatisfy(r -> assertThat(r.fields()).containsKeys("handoff_p50_us", "handoff_p99_us"));
        if (ProcessCpu.readsServers()) {
            assertThat(results.stream().filter(r -> (r.scenario() <= 4 || Report.LOOPS.contains(r.scenario())
                    || r.scenario() == ClusterBus.SCENARIO && !r.fields().containsKey("releases"))
                    && !r.system().endsWith("interleaved"))).allSatisfy(r -> {
                        assertThat(r.get("client_cpu_us")).as("client CPU per operation in %s", r).isNotNaN().isPositive();
                        // In clock ticks of 10 ms: a smoke run's window may hold none of a server's.
                        assertThat(r.get("server_cpu_us")).as("server CPU per operation in %s", r).isNotNaN().isNotNegative();
                    });
        }
        assertThat(results.stream().filter(r -> r.scenario() == 5)).allSatisfy(r -> {
            assertThat(r.fields()).containsKeys("leases", "renewal_commands_per_s", "heap_bytes_per_lease");
            assertThat(r.get("renewal_commands_per_s")).as("renewals happened in %s", r).isNotNaN().isPositive();
        });
        assertThat(results.stream().filter(r -> r.scenario() == 6 || r.scenario() == 7)).allSatisfy(r -> {
            assertThat(r.fields()).containsKeys("waiters", "clients", "turns", "threads");
            assertThat(r.get("commands_per_handoff")).as("%s", r).isNotNaN().isPositive();
            assertThat(r.get("handoff_p99_us")).as("hand-offs were timed in %s", r).isNotNaN().isPositive();
        });
        assertThat(results.stream().filter(r -> r.scenario() == 9)).allSatisfy(r -> {
            assertThat(r.fields()).containsKeys("readers", "cap_ms", "writer_timeouts_total", "reader_ops_per_s");
            assertThat(r.get("writer_attempts_total")).as("the writer tried in %s", r).isNotNaN().isPositive();
            assertThat(r.get("writer_wait_p99_us")).as("%s", r).isNotNaN().isPositive().isLessThanOrEqualTo(r.get("writer_wait_max_us"));
        });

        assertThat(results.stream().filter(r -> r.scenario() == ClusterBus.SCENARIO && r.fields().containsKey("releases"))).allSatisfy(r -> {
            assertThat(r.fields()).containsKeys("masters", "bus_publish_messages_per_release", "spublishes_per_release");
            assertThat(r.get("publishes_per_release") + r.get("spublishes_per_release")).as("releases announced in %s", r)
                    .isNotNaN().isPositive();
        });
        assertThat(results.stream().filter(r -> r.scenario() == ClusterBus.SCENARIO && !r.fields().containsKey("releases")))
                .allSatisfy(r -> assertThat(r.get("handoff_p99_us")).as("hand-offs were timed in %s", r).isNotNaN().isPositive());

        String text = Files.readString(Report.writeJson(results, dir.resolve("bench-results.json")));
        assertThat(text).as("a JSON array of rows").startsWith("[").endsWith("]\n")
                .contains("{\"scenario\":1,\"system\":\"fencelock\",\"ops_per_s\":")
                .contains("\"system\":\"redisson-redlock\"");
        assertThat(Report.tables(results, Settings.SMOKE)).contains("| 1 | uncontended, 1 thread | ping |");
        assertThat(Report.tables(results, Settings.SMOKE)).contains("| 7 | fair lock: 3 ").contains("| 8 | 4 threads, one read lock |")
                .contains("| 9 | 2 readers holding 1 ms, cap 300 ms | fencelock |");
        assertThat(Report.targets(results)).contains("| 4: throughput ≥ 3× RedissonRedLock |")
                .contains("| 2: throughput ≥ 0.85× the bare SET NX PX + compare-and-delete pair's |")
                .contains("| 7: fair lock, hand-off p99 ≤ ½ of Redisson's fair lock (3 waiters over 2 clients) |")
                .contains("| 8: read-lock throughput ≥ 2× Redisson's read lock |")
                .contains("| 9: writer wait p99 under looping readers")
                .contains("| 13: hand-off p99 on a cluster, against Redisson's RLock (reported) |")
                .contains("| 11: multi-lock over 3 names, p50 lock+unlock ≤ ⅓ of RedissonMultiLock's |")
                .contains("| 12: multi-lock over 10 names, p99 lock+unlock ≤ ⅓ of RedissonMultiLock's |")
                .contains("| 6: Fencelock on ZooKeeper, requests per hand-off ≤ Curator's");
        assertThat(Report.tables(results, Settings.SMOKE)).contains("| 12 | multi-lock over 10 names, 1 thread | fencelock |");
    }
}
