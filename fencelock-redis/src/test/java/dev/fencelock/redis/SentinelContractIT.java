package dev.fencelock.redis;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lock contract on a master and a replica watched by three sentinels. */
class SentinelContractIT extends RedisLockContract {
    static RedisServer master;
    private static RedisServer replica;
    private static final List<RedisServer> sentinels = new ArrayList<>();

    @BeforeAll
    static void start() {
        master = RedisServer.start();
        replica = RedisServer.builder().args("--replicaof", master.host(), Integer.toString(master.port())).start();
        for (int i = 0; i < 3; i++) {
            sentinels.add(RedisServer.builder()
                    .config("sentinel monitor main " + master.host() + " " + master.port() + " 2\n")
                    .args("--sentinel")
                    .start());
        }
    }

    @AfterAll
    static void stop() {
        sentinels.forEach(RedisServer::close);
        sentinels.clear();
        replica.close();
        master.close();
    }

    @Override
    RedisLockOptions.Builder options() {
        return sentinelOptions();
    }

    /** The options of a client of the sentinels, for the other suites on this topology. */
    static RedisLockOptions.Builder sentinelOptions() {
        return RedisLockOptions.builder("redis-sentinel://" + sentinels.stream()
                        .map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(",")) + "#main")
                .commandTimeout(Duration.ofMillis(500));
    }

    @Override
    protected void deleteLock(String name) {
        master.call("DEL", "fencelock:{" + name + "}");
    }

    @Override
    protected List<String> locksLeft() {
        return TestClients.settledLockKeys(master);
    }
}
