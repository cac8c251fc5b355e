package dev.fencelock.redis;

import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.ServersPerClass;
import java.time.Duration;
import java.util.List;

/** A three-master Redis Cluster, started for a test class and its nested classes. */
final class ClusterTopology extends RedisTopology implements ServersPerClass {
    private RedisCluster cluster;

    @Override
    public void startServers() {
        cluster = RedisCluster.start(3);
    }

    @Override
    public void stopServers() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    RedisLockOptions.Builder options() {
        return RedisLockOptions.cluster(cluster.seedUris()).commandTimeout(Duration.ofMillis(500));
    }

    @Override
    List<RedisServer> masters() {
        return cluster.masters();
    }

    /** Deletes {@code key} on the master that holds its slot. */
    @Override
    void deleteKey(String key) {
        for (RedisServer master : masters()) {
            try {
                master.call("DEL", key);
            } catch (RedisServer.ReplyException moved) {
                // Not this master's slot.
            }
        }
    }
}
