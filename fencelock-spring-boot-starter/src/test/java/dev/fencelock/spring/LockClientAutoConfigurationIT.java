package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisServers;
import dev.fencelock.testkit.RedisTest;
import dev.fencelock.testkit.Servers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * The auto-configured client, against real servers: what it connects to (each topology's
 * {@link RedisLockOptions#server()} and a lock taken where it should be), the properties it binds,
 * and its back-off.
 */
@RedisTest
class LockClientAutoConfigurationIT {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FencelockAutoConfiguration.class,
                    FencelockIntegrationAutoConfiguration.class));

    @Test
    void springDataRedisPropertiesAndFencelockPropertiesBindToTheClient() {
        String password = "p@ss:w/rd %";
        try (RedisServer redis = RedisServer.builder().args("--requirepass", password).start()) {
            redis.call("AUTH", password);
            runner.withPropertyValues(
                    "spring.data.redis.host=" + redis.host(),
                    "spring.data.redis.port=" + redis.port(),
                    "spring.data.redis.password=" + password,
                    "spring.data.redis.database=3",
                    "spring.data.redis.timeout=1500ms",
                    "spring.data.redis.connect-timeout=3s",
                    "fencelock.namespace=billing:",
                    "fencelock.default-lease=20s",
                    "fencelock.fence-counter-ttl=2h").run(context -> {
                RedisLockOptions options = context.getBean(RedisLockOptions.class);
                assertThat(options.server()).isEqualTo(redis.host() + ":" + redis.port());
                assertThat(options.namespace()).isEqualTo("billing:");
                assertThat(options.defaultLease()).isEqualTo(Duration.ofSeconds(20));
                assertThat(options.commandTimeout()).as("from spring.data.redis.timeout").isEqualTo(Duration.ofMillis(1500));
                assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
                assertThat(options.fenceCounterTtl()).isEqualTo(Duration.ofHours(2));

                try (Lease lease = context.getBean(LockClient.class).lock("invoice:7").acquire(Duration.ZERO)) {
                    assertThat(lease.remaining()).as("the lease, of fencelock.default-lease").isGreaterThan(Duration.ofSeconds(15));
                    redis.call("SELECT", "3");
                    assertThat(redis.call("EXISTS", "billing:{invoice:7}")).as("the key, in database 3 under the namespace").isEqualTo(1L);
                }
            });
        }
    }

    @Test
    void aUrlWinsOverHostAndPortAndFencelockCommandTimeoutOverSpringsTimeout(RedisServer redis) {
        runner.withPropertyValues(
                "spring.data.redis.url=redis://" + redis.host() + ":" + redis.port() + "/2",
                "spring.data.redis.host=elsewhere.invalid",
                "spring.data.redis.timeout=5s",
                "fencelock.command-timeout=400ms").run(context -> {
            RedisLockOptions options = context.getBean(RedisLockOptions.class);
            assertThat(options.server()).isEqualTo(redis.host() + ":" + redis.port());
            assertThat(options.commandTimeout()).isEqualTo(Duration.ofMillis(400));
            context.getBean(LockClient.class).lock("from-url").acquire(Duration.ZERO).close();
        });
    }

    @Test
    void sentinelPropertiesFollowTheMasterThatSentinelNames(RedisServer master) {
        try (RedisServer sentinel = RedisServer.builder()
                .config("sentinel monitor main " + master.host() + " " + master.port() + " 1\n")
                .args("--sentinel").start()) {
            runner.withPropertyValues(
                    "spring.data.redis.sentinel.master=main",
                    "spring.data.redis.sentinel.nodes=" + sentinel.host() + ":" + sentinel.port()).run(context -> {
                assertThat(context.getBean(RedisLockOptions.class).server())
                        .isEqualTo("master 'main' of sentinels " + sentinel.host() + ":" + sentinel.port());
                try (Lease lease = context.getBean(LockClient.class).lock("via-sentinel").acquire(Duration.ZERO)) {
                    assertThat(lease.isValid()).isTrue();
                    assertThat(master.call("EXISTS", "fencelock:{via-sentinel}")).as("the key, on the master").isEqualTo(1L);
                }
            });
        }
    }

    @Test
    void clusterPropertiesMakeAClusterClient() {
        try (RedisCluster cluster = RedisCluster.start(3)) {
            RedisServer seed = cluster.masters().get(1);
            runner.withPropertyValues("spring.data.redis.cluster.nodes=" + seed.host() + ":" + seed.port()).run(context -> {
                assertThat(context.getBean(RedisLockOptions.class).server())
                        .isEqualTo("cluster(" + seed.host() + ":" + seed.port() + ")");
                LockClient client = context.getBean(LockClient.class);
                // Names whose hash tags fall in different slots, so on different masters.
                List<String> names = List.of("a", "b", "c", "d", "e", "f");
                for (String name : names) {
                    try (Lease lease = client.lock(name).acquire(Duration.ZERO)) {
                        assertThat(lease.isValid()).isTrue();
                        long copies = cluster.masters().stream()
                                .filter(node -> existsOn(node, "fencelock:{" + name + "}")).count();
                        assertThat(copies).as("masters holding the key of '%s'", name).isEqualTo(1);
                    }
                }
            });
        }
    }

    @Test
    void theUrlsCredentialsAndDatabaseServeSentinelAsSpringDataRedisTakesThem() {
        String password = "url-pw";
        try (RedisServer master = RedisServer.builder().args("--requirepass", password).start();
                RedisServer sentinel = RedisServer.builder()
                        .config("sentinel monitor main " + master.host() + " " + master.port() + " 1\n"
                                + "sentinel auth-pass main " + password + "\n")
                        .args("--sentinel").start()) {
            master.call("AUTH", password);
            runner.withPropertyValues(
                    "spring.data.redis.url=redis://:" + password + "@unused.invalid:1/3",
                    "spring.data.redis.password=not-this-one",
                    "spring.data.redis.database=5",
                    "spring.data.redis.sentinel.master=main",
                    "spring.data.redis.sentinel.nodes=" + sentinel.host() + ":" + sentinel.port()).run(context -> {
                try (Lease lease = context.getBean(LockClient.class).lock("sentinel-url").acquire(Duration.ZERO)) {
                    assertThat(lease.isValid()).isTrue();
                    master.call("SELECT", "3");
                    assertThat(master.call("EXISTS", "fencelock:{sentinel-url}")).as("the key, in the URL's database 3").isEqualTo(1L);
                }
            });
        }
    }

    @Test
    void theUrlsCredentialsServeClusterAsSpringDataRedisTakesThem() {
        String password = "url-pw";
        try (RedisCluster cluster = RedisCluster.start(3)) {
            for (RedisServer master : cluster.masters()) {
                // The kit's own connections to the nodes stay signed in.
                master.call("CONFIG", "SET", "requirepass", password);
            }
            RedisServer seed = cluster.masters().get(0);
            runner.withPropertyValues(
                    "spring.data.redis.url=redis://:" + password + "@unused.invalid:1",
                    "spring.data.redis.password=not-this-one",
                    "spring.data.redis.cluster.nodes=" + seed.host() + ":" + seed.port()).run(context -> {
                try (Lease lease = context.getBean(LockClient.class).lock("cluster-url").acquire(Duration.ZERO)) {
                    assertThat(lease.isValid()).isTrue();
                    assertThat(cluster.masters().stream().filter(node -> existsOn(node, "fencelock:{cluster-url}")).count())
                            .as("masters holding the key").isEqualTo(1);
                }
            });
        }
    }

    private static boolean existsOn(RedisServer node, String key) {
        try {
            return Long.valueOf(1).equals(node.call("EXISTS", key));
        } catch (RedisServer.ReplyException moved) {
            return false;
        }
    }

    @Test
    void redlockUrisMakeARedlockClientOverEveryMaster(@Servers(3) RedisServers masters) {
        runner.withPropertyValues("fencelock.redlock.uris=" + String.join(",", masters.uris()),
                "fencelock.redlock.restart-quarantine=45s", "fencelock.outage-allowance=90s").run(context -> {
            assertThat(context.getBean(RedisLockOptions.class).server()).startsWith("redlock(");
            assertThat(context.getBean(RedisLockOptions.class).redlockRestartQuarantine()).isEqualTo(Duration.ofSeconds(45));
            assertThat(context.getBean(RedisLockOptions.class).outageAllowance()).isEqualTo(Duration.ofSeconds(90));
            try (Lease lease = context.getBean(LockClient.class).lock("quorum").acquire(Duration.ZERO)) {
                assertThat(lease.isValid()).isTrue();
                for (RedisServer master : masters) {
                    assertThat(master.call("EXISTS", "fencelock:{quorum}")).as("the key on %s", master).isEqualTo(1L);
                }
            }
        });
    }

    @Test
    void theApplicationsOwnLockClientReplacesTheAutoConfiguredOneAndStillGetsTheRegistry(RedisServer redis) {
        runner.withUserConfiguration(OwnClient.class)
                .withPropertyValues("own.uri=" + redis.uri(), "fencelock.default-lease=1ms").run(context -> {
                    assertThat(context).as("the application's client, and no options of ours (their bad lease unread)")
                            .hasSingleBean(LockClient.class).doesNotHaveBean(RedisLockOptions.class)
                            .hasSingleBean(LockRegistry.class);
                    assertThat(context.getBean(LockClient.class)).isSameAs(context.getBean(OwnClient.class).client);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClient {
        LockClient client;

        @Bean(destroyMethod = "close")
        LockClient ownLockClient(org.springframework.core.env.Environment environment) {
            client = RedisLocks.connect(environment.getRequiredProperty("own.uri"));
            return client;
        }
    }
}
