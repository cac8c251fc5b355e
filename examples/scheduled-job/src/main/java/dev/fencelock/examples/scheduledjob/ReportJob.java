package dev.fencelock.examples.scheduledjob;

import dev.fencelock.Lease;
import dev.fencelock.redis.FencedRedis;
import dev.fencelock.shedlock.FencelockLockProvider;
import java.time.Clock;
import java.time.Duration;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The job: every {@code example.tick-seconds}, on the second boundary, on every instance; run by the
 * one instance that takes the lock "report". {@code lockAtLeastFor} keeps the others from running
 * the same tick when their scheduler fires a little late; {@code lockAtMostFor}, shorter than a tick,
 * frees the next tick for another instance if this one dies mid-job.
 */
@Component
class ReportJob {
    private static final Logger log = LoggerFactory.getLogger(ReportJob.class);
    /** A scheduler may fire a hair before the boundary: a run belongs to the tick it is this close to. */
    private static final Duration EARLY_FIRE_MARGIN = Duration.ofMillis(200);

    private final FencedRedis report;
    private final RunLedger ledger;
    private final Clock clock;
    private final String instance;
    private final int tickSeconds;
    private final Duration work;

    ReportJob(FencedRedis report, RunLedger ledger,
            @Value("${example.instance}") String instance,
            @Value("${example.tick-seconds}") int tickSeconds,
            @Value("${example.work}") Duration work) {
        this.report = report;
        this.ledger = ledger;
        this.clock = Clock.systemUTC();
        this.instance = instance;
        this.tickSeconds = tickSeconds;
        this.work = work;
    }

    @Scheduled(cron = "*/${example.tick-seconds} * * * * *")
    @SchedulerLock(name = "report", lockAtMostFor = "${example.lock-at-most-for}",
            lockAtLeastFor = "${example.lock-at-least-for}")
    public void run() throws InterruptedException {
        long tick = clock.instant().plus(EARLY_FIRE_MARGIN).getEpochSecond() / tickSeconds;
        Lease lease = FencelockLockProvider.currentLease()
                .orElseThrow(() -> new IllegalStateException("the report job runs only under its lock"));
        long token = lease.fencingToken();
        ledger.record(tick, instance, token, "started");
        log.info("tick {}: {} runs the report with fencing token {}", tick, instance, token);

        Thread.sleep(work.toMillis()); // the report's own work

        // The resource itself refuses a writer whose token is older than the last one it accepted:
        // a run that outlived its lease (paused, or past lockAtMostFor) cannot overwrite a newer run.
        FencedRedis.Write write = report.write("example:report", "tick " + tick + " by " + instance, token);
        ledger.record(tick, instance, token, write.accepted() ? "done" : "refused");
        log.info("tick {}: report {} (token {}, stored token {})", tick,
                write.accepted() ? "written" : "REFUSED as stale", token, write.storedToken());
    }
}
