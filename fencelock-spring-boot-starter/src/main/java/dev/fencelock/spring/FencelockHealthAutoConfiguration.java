package dev.fencelock.spring;

import dev.fencelock.LockClient;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * An Actuator health indicator, {@code fencelock}, for the application's {@link LockClient}, when
 * Actuator is on the class path; {@code management.health.fencelock.enabled=false} turns it off.
 * Of several clients it watches the {@code @Primary} one; without a primary it stays off, as the
 * meters and the registry do, rather than fail the startup over a client it cannot choose.
 */
@AutoConfiguration(after = FencelockAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnSingleCandidate(LockClient.class)
@ConditionalOnEnabledHealthIndicator("fencelock")
public class FencelockHealthAutoConfiguration {

    /** Created by Spring Boot when the auto-configuration applies. */
    public FencelockHealthAutoConfiguration() {}

    /** Up while the store answers an inspection within the command timeout. */
    @Bean
    @ConditionalOnMissingBean(name = "fencelockHealthIndicator")
    public HealthIndicator fencelockHealthIndicator(LockClient client) {
        return new FencelockHealthIndicator(client);
    }
}
