package dev.fencelock.redis;

import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A three-master Redis Cluster, started for a test class. */
final class ClusterTopology extends RedisTopology implements BeforeAllCallback, AfterAllCallback {
    private RedisCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = RedisCluster.start(3);
    }

    @Override
    public void afterAll(ExtensionContext context) {
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
