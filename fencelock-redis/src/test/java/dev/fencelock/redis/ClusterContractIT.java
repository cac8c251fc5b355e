package dev.fencelock.redis;

import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lock contract on a three-master Redis Cluster. */
class ClusterContractIT extends RedisLockContract {
    static RedisCluster cluster;

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
        return clusterOptions();
    }

    /** The options of a client of the cluster, for the other suites on this topology. */
    static RedisLockOptions.Builder clusterOptions() {
        return RedisLockOptions.cluster(cluster.seedUris()).commandTimeout(Duration.ofMillis(500));
    }

    @Override
    protected void deleteLock(String name) {
        deleteKey("fencelock:{" + name + "}");
    }

    /** Deletes a key on the master that holds its slot. */
    static void deleteKey(String key) {
        for (RedisServer master : cluster.masters()) {
            try {
                master.call("DEL", key);
            } catch (RedisServer.ReplyException moved) {
                // Not this master's slot.
            }
        }
    }

    @Override
    protected List<String> locksLeft() {
        return locksLeftInCluster();
    }

    static List<String> locksLeftInCluster() {
        return cluster.masters().stream().flatMap(master -> TestClients.settledLockKeys(master).stream()).toList();
    }
}
