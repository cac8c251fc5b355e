package dev.fencelock.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A figure missing from some rounds (a CPU time that could not be read) is the median of the rounds that have it. */
class ResultTest {

    @Test
    void aFigureMissingFromSomeRoundsIsTheMedianOfTheOthers() {
        Result result = Result.median(2, "fencelock",
                List.of(Map.of("ops_per_s", 10.0), Map.of("ops_per_s", 30.0, "server_cpu_us", 4.0),
                        Map.of("ops_per_s", 20.0, "server_cpu_us", 6.0)),
                Map.of());

        assertThat(result.get("ops_per_s")).isEqualTo(20.0);
        assertThat(result.get("server_cpu_us")).isEqualTo(5.0);
    }
}
