package dev.fencelock.examples.scheduledjob;

import dev.fencelock.LockClient;
import dev.fencelock.redis.FencedRedis;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.shedlock.FencelockLockProvider;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
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
        SpringApplication.run(ScheduledJobApplication.class, args);
    }

    /** ShedLock's locks as Fencelock leases. */
    @Bean
    LockProvider lockProvider(LockClient locks) {
        return new FencelockLockProvider(locks);
    }

    /** REDIS_URL's Redis, or a redis-server of the example's own when it is unset. */
    @Bean(destroyMethod = "close")
    ExampleRedis exampleRedis(@Value("${redis.url:}") String redisUrl) {
        return ExampleRedis.at(redisUrl);
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
