package dev.fencelock.spring;

import dev.fencelock.LockClient;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters of the application's {@link LockClient}, when Micrometer is on the class path:
 * {@code fencelock.acquire} (timer, tag {@code outcome}), {@code fencelock.leases.held} (gauge),
 * {@code fencelock.leases.lost} (counter, tag {@code reason}) and {@code fencelock.renewal}
 * (timer of each renewal call's round trip, tag {@code outcome}). Spring Boot's Actuator binds
 * them to its registries. Of several clients the {@code @Primary} one is metered; without a primary
 * none is, rather than fail the startup over a client it cannot choose.
 */
@AutoConfiguration(after = FencelockAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnSingleCandidate(LockClient.class)
public class FencelockMetricsAutoConfiguration {

    /** Created by Spring Boot when the auto-configuration applies. */
    public FencelockMetricsAutoConfiguration() {}

    /** The meters, fed by a listener on the client from when the bean is created. */
    @Bean
    @ConditionalOnMissingBean(name = "fencelockMetrics")
    public MeterBinder fencelockMetrics(LockClient client) {
        return new FencelockMetrics(client);
    }
}
