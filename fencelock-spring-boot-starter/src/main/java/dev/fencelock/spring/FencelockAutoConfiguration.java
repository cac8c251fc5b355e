package dev.fencelock.spring;

import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.data.redis.RedisProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configures a {@link LockClient} on Redis from Spring Boot's {@code spring.data.redis.*}
 * properties (host, port, username, password, database, SSL, URL, Sentinel, Cluster) and
 * {@code fencelock.*} (namespace, leases, timeouts, Redlock masters). Backs off when the
 * application defines a {@code LockClient} of its own; the {@link RedisLockOptions} it connects
 * with are a bean too, which the application may define instead.
 *
 * <p>The client connects when the context starts, so a Redis that cannot be reached, or a
 * property the options refuse, fails the startup with the property's name.
 */
@AutoConfiguration
@ConditionalOnMissingBean(LockClient.class)
@EnableConfigurationProperties({FencelockProperties.class, RedisProperties.class})
public class FencelockAutoConfiguration {

    /** Created by Spring Boot when the auto-configuration applies. */
    public FencelockAutoConfiguration() {}

    /** The options, from {@code spring.data.redis.*} and {@code fencelock.*}. */
    @Bean
    @ConditionalOnMissingBean
    public RedisLockOptions fencelockRedisLockOptions(RedisProperties redis, FencelockProperties fencelock) {
        return SpringRedisOptions.from(redis, fencelock);
    }

    /** The client; closed with the context, which takes every lease still held away as a loss. */
    @Bean(destroyMethod = "close")
    public LockClient fencelockLockClient(RedisLockOptions options) {
        return RedisLocks.connect(options);
    }
}
