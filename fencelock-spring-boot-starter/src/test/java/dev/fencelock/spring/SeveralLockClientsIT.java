package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinitionCustomizer;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * An application with two {@link LockClient} beans of its own (say one on Redis and one on
 * ZooKeeper; here two Redis clients under different namespaces): the meters, the health indicator
 * and the registry follow its {@code @Primary} one, and without one they stay off instead of
 * failing the startup over a client they cannot choose.
 */
@RedisTest
class SeveralLockClientsIT {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                    FencelockAutoConfiguration.class, FencelockMetricsAutoConfiguration.class,
                    FencelockHealthAutoConfiguration.class, FencelockIntegrationAutoConfiguration.class));

    @Test
    void twoClientsWithoutAPrimaryStartTheApplicationWithoutMetersHealthOrRegistry(RedisServer redis) {
        twoClients(redis).run(context -> {
            assertThat(context).as("the application, started").hasNotFailed();
            assertThat(context.getBeansOfType(LockClient.class)).as("the application's clients, and none of ours")
                    .containsOnlyKeys("billingLocks", "reportLocks");
            assertThat(context).doesNotHaveBean(LockRegistry.class)
                    .doesNotHaveBean("fencelockMetrics").doesNotHaveBean("fencelockHealthIndicator");
        });
    }

    @Test
    void twoClientsWithAPrimaryGetMetersHealthAndRegistryOnThePrimary(RedisServer redis) {
        twoClients(redis, billing -> billing.setPrimary(true)).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(LockRegistry.class)
                    .hasBean("fencelockMetrics").hasBean("fencelockHealthIndicator");

            Lock lock = context.getBean(LockRegistry.class).obtain("invoice");
            lock.lock();
            try {
                assertThat(redis.call("EXISTS", "billing:{invoice}")).as("the registry's key, under the primary's namespace")
                        .isEqualTo(1L);
            } finally {
                lock.unlock();
            }
            context.getBean("reportLocks", LockClient.class).lock("other").acquire(Duration.ZERO).close();
            assertThat(context.getBean(MeterRegistry.class).get("fencelock.acquire").tag("outcome", "acquired")
                    .timer().count()).as("acquisitions metered: the primary's, not the other client's").isEqualTo(1);
            assertThat(context.getBean("fencelockHealthIndicator", HealthIndicator.class).health().getStatus())
                    .isEqualTo(Status.UP);
        });
    }

    /** The application's clients, both on {@code redis}; closed with the context, as every AutoCloseable bean is. */
    private ApplicationContextRunner twoClients(RedisServer redis, BeanDefinitionCustomizer... billing) {
        return runner.withBean("billingLocks", LockClient.class, () -> connect(redis, "billing:"), billing)
                .withBean("reportLocks", LockClient.class, () -> connect(redis, "reports:"));
    }

    private static LockClient connect(RedisServer redis, String namespace) {
        return RedisLocks.connect(RedisLockOptions.builder(redis.uri()).namespace(namespace).build());
    }
}
