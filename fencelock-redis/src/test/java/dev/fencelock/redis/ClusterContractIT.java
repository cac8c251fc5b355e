package dev.fencelock.redis;

import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lock contract on a three-master Redis Cluster. */
class ClusterContractIT extends RedisLockContract {
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
    RedisLockOptions.Builder options() {
        return RedisLockOptions.cluster(cluster.seedUris()).commandTimeout(Duration.ofMillis(500));
    }

    @Override
    protected void deleteLock(String name) {
        for (RedisServer master : cluster.masters()) {
            try {
                master.call("DEL", "fencelock:{" + name + "}");
            } catch (RedisServer.ReplyException moved) {
                // Not this master's slot.
            }
        }
    }

    @Override
    protected List<String> locksLeft() {
        return cluster.masters().stream().flatMap(master -> TestClients.settledLockKeys(master).stream()).toList();
    }
}
