package dev.fencelock;

import dev.fencelock.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** The lock contract on Redlock over five independent redis-servers. */
class RedlockContractIT extends LockContract {
    private final List<RedisServer> masters = new ArrayList<>();

    @BeforeEach
    void start() {
        for (int i = 0; i < 5; i++) {
            masters.add(RedisServer.start());
        }
    }

    @Override
    void stopServers() {
        masters.forEach(RedisServer::close);
    }

    @Override
    LockClientOptions.Builder options() {
        return LockClientOptions.redlock(masters.stream().map(RedisServer::uri).toList())
                .commandTimeout(Duration.ofMillis(300))
                .redlockNodeTimeout(Duration.ofMillis(100));
    }

    @Override
    void deleteLockKey(String name) {
        masters.forEach(master -> master.call("DEL", "fencelock:{" + name + "}"));
    }

    @Override
    List<String> lockKeysLeft() {
        return masters.stream().flatMap(master -> TestClients.settledLockKeys(master).stream()).toList();
    }
}
