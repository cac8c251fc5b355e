package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The meters read from Actuator's MeterRegistry after a real loss, and the health indicator against a real server. */
@RedisTest
class MetricsAndHealthIT {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                    FencelockAutoConfiguration.class, FencelockMetricsAutoConfiguration.class,
                    FencelockHealthAutoConfiguration.class))
            // Short, so that the watchdog renews (and finds the key gone) within a fraction of a second.
            .withPropertyValues("fencelock.default-lease=1500ms", "fencelock.command-timeout=300ms");

    @Test
    void aLeaseWhoseKeyIsDeletedIsCountedLostByReasonAndNoLongerHeld(RedisServer redis) {
        runner.withPropertyValues("spring.data.redis.url=" + redis.uri()).run(context -> {
            LockClient client = context.getBean(LockClient.class);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            Lease lease = client.lock("report").acquire(Duration.ZERO);
            assertThat(client.lock("report").tryAcquire()).as("a second try, refused").isEmpty();
            assertThat(meters.get("fencelock.leases.held").gauge().value()).as("leases held").isEqualTo(1);

            redis.call("DEL", "fencelock:{report}");

            LockLostException lost = lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(lost.reason()).isEqualTo(LockLostException.Reason.KEY_GONE);
            Poll.until("the loss counted", Duration.ofSeconds(10),
                    () -> meters.get("fencelock.leases.lost").tag("reason", "key_gone").counter().count() == 1);
            Poll.until("no lease held", Duration.ofSeconds(10),
                    () -> meters.get("fencelock.leases.held").gauge().value() == 0);
            assertThat(meters.get("fencelock.leases.lost").tag("reason", "expired").counter().count())
                    .as("losses for another reason").isZero();
            assertThat(meters.get("fencelock.acquire").tag("outcome", "acquired").timer().count()).isEqualTo(1);
            assertThat(meters.get("fencelock.acquire").tag("outcome", "timed_out").timer().count()).isEqualTo(1);
            // Reported after the renewal settled its leases: the loss above may be signalled first.
            Poll.until("the renewal round trip recorded", Duration.ofSeconds(10),
                    () -> meters.find("fencelock.renewal").tag("outcome", "answered").timer() != null);
            assertThat(meters.get("fencelock.renewal").tag("outcome", "answered").timer().count())
                    .as("renewal round trips, the last of which found the key gone").isGreaterThanOrEqualTo(1);
            lease.close();
        });
    }

    @Test
    void aLeaseTakenBeforeTheMetersExistedIsNotTakenOffWhenItEnds(RedisServer redis) {
        runner.withPropertyValues("spring.data.redis.url=" + redis.uri()).withUserConfiguration(LeaseAtStartup.class)
                .run(context -> {
                    LockClient client = context.getBean(LockClient.class);
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    context.getBean(Lease.class).close();

                    try (Lease lease = client.lock("later").acquire(Duration.ZERO)) {
                        assertThat(meters.get("fencelock.leases.held").gauge().value()).as("leases held").isEqualTo(1);
                    }
                    assertThat(meters.get("fencelock.leases.held").gauge().value()).as("leases held").isZero();
                });
    }

    @Test
    void aClientThatOutlivesTheContextFeedsItsMetersNoMore(RedisServer redis) {
        try (LockClient client = RedisLocks.connect(redis.uri())) {
            AtomicReference<MeterRegistry> meters = new AtomicReference<>();
            // The application's own client, which the context does not close.
            runner.withBean(LockClient.class, () -> client, definition -> definition.setDestroyMethodName(""))
                    .run(context -> {
                        meters.set(context.getBean(MeterRegistry.class));
                        client.lock("during").acquire(Duration.ZERO).close();
                    });

            client.lock("after").acquire(Duration.ZERO).close();

            assertThat(meters.get().get("fencelock.acquire").tag("outcome", "acquired").timer().count())
                    .as("acquisitions recorded, the one after the context closed not among them").isEqualTo(1);
        }
    }

    /** A bean that locks as the application starts: created before the auto-configured meters. */
    @Configuration(proxyBeanMethods = false)
    static class LeaseAtStartup {
        @Bean
        Lease leaseAtStartup(LockClient client) {
            return client.lock("at-startup").acquire(Duration.ZERO);
        }
    }

    @Test
    void healthIsUpWhileRedisAnswersAndDownWhileItIsFrozen(RedisServer redis) {
        runner.withPropertyValues("spring.data.redis.url=" + redis.uri()).run(context -> {
            HealthIndicator health = context.getBean("fencelockHealthIndicator", HealthIndicator.class);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);

            redis.pause();
            try {
                assertThat(health.health().getStatus()).as("health with Redis frozen").isEqualTo(Status.DOWN);
            } finally {
                redis.resume();
            }
            Poll.until("health up again", Duration.ofSeconds(10), () -> health.health().getStatus().equals(Status.UP));
        });
    }

    @Test
    void metersNeedMicrometerAndTheHealthIndicatorCanBeTurnedOff(RedisServer redis) {
        runner.withPropertyValues("spring.data.redis.url=" + redis.uri(), "management.health.fencelock.enabled=false")
                .withClassLoader(new FilteredClassLoader(MeterBinder.class))
                .run(context -> assertThat(context).hasSingleBean(LockClient.class)
                        .doesNotHaveBean("fencelockMetrics").doesNotHaveBean("fencelockHealthIndicator"));
    }
}
