package dev.fencelock.examples.scheduledjob;

import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLocks;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's {@link LockClient}, in one place: the Fencelock Spring Boot starter will
 * configure this bean from {@code spring.data.redis.*}, and this class will go.
 */
@Configuration(proxyBeanMethods = false)
class LockClientConfiguration {

    @Bean(destroyMethod = "close")
    LockClient lockClient(ExampleRedis redis) {
        return RedisLocks.connect(redis.uri());
    }
}
