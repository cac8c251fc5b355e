package dev.fencelock.redis;

import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.ServersPerClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A master and a replica watched by three sentinels, started for a test class and its nested classes. */
final class SentinelTopology extends RedisTopology implements ServersPerClass {
    private final List<RedisServer> servers = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    private RedisServer master;

    @Override
    public void startServers() {
        master = start(RedisServer.builder());
        start(RedisServer.builder().args("--replicaof", master.host(), Integer.toString(master.port())));
        for (int i = 0; i < 3; i++) {
            sentinels.add(start(RedisServer.builder()
                    .config("sentinel monitor main " + master.host() + " " + master.port() + " 2\n")
                    .args("--sentinel")));
        }
    }

    private RedisServer start(RedisServer.Builder builder) {
        RedisServer server = builder.start();
        servers.add(server);
        return server;
    }

    @Override
    public void stopServers() {
        // Sentinels first, so that none of them sees the master go and starts a failover.
        for (int i = servers.size() - 1; i >= 0; i--) {
            servers.get(i).close();
        }
        servers.clear();
        sentinels.clear();
    }

    @Override
    RedisLockOptions.Builder options() {
        return RedisLockOptions.builder("redis-sentinel://" + sentinels.stream()
                        .map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(",")) + "#main")
                .commandTimeout(Duration.ofMillis(500));
    }

    @Override
    List<RedisServer> masters() {
        return List.of(master);
    }
}
