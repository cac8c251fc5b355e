package dev.fencelock.spring;

import dev.fencelock.LockClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * A Spring Integration {@link LockRegistry} on the application's {@link LockClient}, when Spring
 * Integration is on the class path and the application has no registry of its own; hand it to a
 * {@code LockRegistryLeaderInitiator} for leader election on Fencelock.
 * {@code fencelock.integration.lock-registry.enabled=false} turns it off. Of several clients it
 * takes the {@code @Primary} one; without a primary there is no registry, rather than a failed
 * startup over a client it cannot choose.
 */
@AutoConfiguration(after = FencelockAutoConfiguration.class)
@ConditionalOnClass(LockRegistry.class)
@ConditionalOnSingleCandidate(LockClient.class)
@ConditionalOnProperty(name = "fencelock.integration.lock-registry.enabled", matchIfMissing = true)
public class FencelockIntegrationAutoConfiguration {

    /** Created by Spring Boot when the auto-configuration applies. */
    public FencelockIntegrationAutoConfiguration() {}

    /** Locks named by their keys, reentrant per thread, on the client's renewing default lease. */
    @Bean
    @ConditionalOnMissingBean
    public LockRegistry fencelockLockRegistry(LockClient client) {
        return new FencelockLockRegistry(client);
    }
}
