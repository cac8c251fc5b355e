package dev.fencelock;

import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lock contract on a three-master Redis Cluster. */
class ClusterContractIT extends LockContract {
    private static RedisCluster cluster;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start(3);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Override
    LockClientOptions.Builder options() {
        return LockClientOptions.cluster(cluster.seedUris()).commandTimeout(Duration.ofMillis(500));
    }

    @Override
    void deleteLockKey(String name) {
        for (RedisServer master : cluster.masters()) {
            try {
                master.call("DEL", "fencelock:{" + name + "}");
            } catch (RedisServer.ReplyException moved) {
                // Not this master's slot.
            }
        }
    }

    @Override
    List<String> lockKeysLeft() {
        return cluster.masters().stream().flatMap(master -> TestClients.settledLockKeys(master).stream()).toList();
    }
}
