package dev.fencelock.examples.scheduledjob;

import dev.fencelock.LockClient;
import dev.fencelock.redis.FencedRedis;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.shedlock.FencelockLockProvider;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * A scheduled job that runs once per tick across every instance of this application: Spring's
 * {@code @Scheduled} fires on each instance, ShedLock's {@code @SchedulerLock} lets one of them run
 * it, on a Fencelock lease, and the job writes through a fenced resource with the lease's token.
 * Run it with {@code examples/scheduled-job/run}.
 */
@SpringBootApplication
@EnableScheduling
@EnableSchedulerLock(defaultLockAtMostFor = "PT30S")
public class ScheduledJobApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(ScheduledJobApplication.class);
        application.addInitializers(ScheduledJobApplication::useExampleRedis);
        application.run(args);
    }

    /**
     * Points {@code spring.data.redis.url}, from which the Fencelock starter configures the
     * {@link LockClient}, at REDIS_URL's Redis, or at a redis-server of the example's own when it is
     * unset. A real application sets {@code spring.data.redis.*} and needs none of this.
     */
    private static void useExampleRedis(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        ExampleRedis redis = ExampleRedis.at(environment.getProperty("redis.url", ""));
        environment.getPropertySources().addFirst(
                new MapPropertySource("example-redis", Map.of("spring.data.redis.url", redis.uri())));
        context.getBeanFactory().registerSingleton("exampleRedis", redis);
        context.addApplicationListener((ApplicationListener<ContextClosedEvent>) closed -> redis.close());
    }

    /** ShedLock's locks as Fencelock leases. */
    @Bean
    LockProvider lockProvider(LockClient locks) {
        return new FencelockLockProvider(locks);
    }

    /** The resource the job writes to: a value only the newest lock holder may overwrite. */
    @Bean(destroyMethod = "close")
    FencedRedis report(ExampleRedis redis) {
        return RedisLocks.fencedRedis(redis.uri());
    }

    @Bean(destroyMethod = "close")
    RunLedger runLedger(ExampleRedis redis) {
        return new RunLedger(redis.uri());
    }
}
