package dev.fencelock.redis;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** The lock contract on Redlock over five independent redis-servers. */
class RedlockContractIT extends RedisLockContract {
    private final List<RedisServer> masters = new ArrayList<>();

    @BeforeEach
    void start() {
        startMasters(masters);
    }

    @Override
    protected void stopServers() {
        masters.forEach(RedisServer::close);
    }

    @Override
    RedisLockOptions.Builder options() {
        return redlockOptions(masters);
    }

    @Override
    protected void deleteLock(String name) {
        masters.forEach(master -> master.call("DEL", "fencelock:{" + name + "}"));
    }

    @Override
    protected List<String> locksLeft() {
        return settledLockKeys(masters);
    }

    /** Starts five independent masters for one test, into {@code masters}, so that a failed start leaves the started ones to close. */
    static void startMasters(List<RedisServer> masters) {
        for (int i = 0; i < 5; i++) {
            masters.add(RedisServer.start());
        }
    }

    static RedisLockOptions.Builder redlockOptions(List<RedisServer> masters) {
        return RedisLockOptions.redlock(masters.stream().map(RedisServer::uri).toList())
                .commandTimeout(Duration.ofMillis(300))
                .redlockNodeTimeout(Duration.ofMillis(100));
    }

    static List<String> settledLockKeys(List<RedisServer> masters) {
        return masters.stream().flatMap(master -> TestClients.settledLockKeys(master).stream()).toList();
    }
}
