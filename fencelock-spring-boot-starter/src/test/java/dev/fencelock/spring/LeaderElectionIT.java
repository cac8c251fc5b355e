package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.leader.Context;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * Spring Integration's {@code LockRegistryLeaderInitiator} on the auto-configured registry, with
 * a second candidate on a client of its own (another process, as far as Redis can tell).
 */
@RedisTest
class LeaderElectionIT {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FencelockAutoConfiguration.class,
                    FencelockIntegrationAutoConfiguration.class))
            .withPropertyValues("fencelock.default-lease=1500ms", "fencelock.command-timeout=300ms");

    /** Counts its grants and revocations. */
    private static final class CountingCandidate extends DefaultCandidate {
        final AtomicInteger granted = new AtomicInteger();
        final AtomicInteger revoked = new AtomicInteger();
        volatile boolean leader;

        CountingCandidate(String id) {
            super(id, "nightly-leader");
        }

        @Override
        public void onGranted(Context context) {
            leader = true;
            granted.incrementAndGet();
        }

        @Override
        public void onRevoked(Context context) {
            leader = false;
            revoked.incrementAndGet();
        }
    }

    private static LockRegistryLeaderInitiator initiator(LockRegistry registry, CountingCandidate candidate) {
        LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(registry, candidate);
        initiator.setHeartBeatMillis(100);
        initiator.setBusyWaitMillis(50);
        return initiator;
    }

    @Test
    void aLeaderWhoseLeaseIsLostIsRevokedAndALeaderThatStopsHandsOver(RedisServer redis) {
        runner.withPropertyValues("spring.data.redis.url=" + redis.uri()).run(context -> {
            CountingCandidate first = new CountingCandidate("first");
            LockRegistryLeaderInitiator firstInitiator = initiator(context.getBean(LockRegistry.class), first);
            try (LockClient otherProcess = RedisLocks.connect(RedisLockOptions.builder(redis.uri())
                    .defaultLease(Duration.ofMillis(1500)).commandTimeout(Duration.ofMillis(300)).build())) {
                CountingCandidate second = new CountingCandidate("second");
                LockRegistryLeaderInitiator secondInitiator = initiator(new FencelockLockRegistry(otherProcess), second);
                try {
                    firstInitiator.start();
                    Poll.until("the first candidate leads", Duration.ofSeconds(10), () -> first.leader);

                    redis.call("DEL", "fencelock:{nightly-leader}");

                    // Alone, it would take the free lock straight back: a registry that re-acquired
                    // quietly would never tell it that it had stopped leading meanwhile.
                    Poll.until("leadership revoked after the loss, then granted again", Duration.ofSeconds(10),
                            () -> first.revoked.get() == 1 && first.granted.get() == 2);

                    secondInitiator.start();
                    firstInitiator.stop();

                    Poll.until("the second candidate leads after the first stopped", Duration.ofSeconds(10), () -> second.leader);
                    // Spring Integration unlocks before it revokes: the second may lead a moment before the first hears.
                    Poll.until("the stopped candidate revoked", Duration.ofSeconds(10), () -> !first.leader);
                } finally {
                    secondInitiator.stop();
                    firstInitiator.stop();
                }
            }
        });
    }
}
