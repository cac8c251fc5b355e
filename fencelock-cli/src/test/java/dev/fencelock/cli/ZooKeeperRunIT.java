package dev.fencelock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fencelock run}, status and list with {@code --zookeeper}, as real processes against a real ZooKeeper server. */
class ZooKeeperRunIT {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(60);
    private static DemoZooKeeper zooKeeper;

    @TempDir
    Path dir;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zooKeeper = DemoZooKeeper.start();
    }

    @AfterAll
    static void stopZooKeeper() {
        zooKeeper.close();
    }

    @Test
    void concurrentRunsOnOneNameNeverInterleaveAndTheirTokensIncrease() throws Exception {
        ConcurrentRuns.assertNeverInterleave(dir, 3, "--zookeeper", zooKeeper.connectString());
    }

    @Test
    void statusListAndReleaseSeeTheHolderOfARunningCommand() throws Exception {
        Path started = dir.resolve("started");
        FencelockProcess holder = FencelockProcess.start(dir, "run", "--zookeeper", zooKeeper.connectString(),
                "--name", "jobs:report", "--", "sh", "-c", "echo $FENCELOCK_TOKEN > " + started + ".tmp; mv " + started + ".tmp " + started + "; sleep 30");
        try {
            holder.awaitFile(started);
            long token = Long.parseLong(Files.readString(started).trim());

            FencelockProcess status = FencelockProcess.start(dir, "status", "--zookeeper", zooKeeper.connectString(),
                    "--name", "jobs:report", "--json");
            assertThat(status.awaitExit(EXIT_WAIT)).as("stderr: %s", status.stderr()).isZero();
            JsonNode info = new ObjectMapper().readTree(status.stdout());
            assertThat(info.get("last_fencing_token").asLong()).isEqualTo(token);
            assertThat(info.get("holder").asText()).matches("[0-9a-f]{8}");

            FencelockProcess list = FencelockProcess.start(dir, "list", "--zookeeper", zooKeeper.connectString(),
                    "--pattern", "jobs:*");
            assertThat(list.awaitExit(EXIT_WAIT)).as("stderr: %s", list.stderr()).isZero();
            assertThat(list.stdout()).as("list; the holder's stderr: %s", holder.stderr()).contains("jobs:report: held by " + info.get("holder").asText());

            FencelockProcess release = FencelockProcess.start(dir, "release", "--zookeeper", zooKeeper.connectString(),
                    "--name", "jobs:report", "--force");
            assertThat(release.awaitExit(EXIT_WAIT)).as("stderr: %s", release.stderr()).isZero();
            assertThat(release.stdout()).startsWith("released jobs:report: held by ");
            assertThat(holder.awaitExit(EXIT_WAIT)).as("the holder's lease was lost; stderr: %s", holder.stderr())
                    .isEqualTo(ExitCodes.LEASE_LOST);
        } finally {
            holder.close();
        }
    }
}
