package dev.fencelock.verify;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * One kind of fault: it injects a fault, keeps it for a given time, and heals it, recording both
 * ends in the {@link FaultLog}. The {@link FaultPlan} decides when, how long and (through the
 * seeded {@link Random}) whom, so a seed replays the same schedule.
 */
interface Nemesis {

    /** The kind of fault, as the report names it: {@code client-pause}, {@code partition}, … */
    String kind();

    /** Why this machine cannot produce the fault, or empty when it can. */
    default Optional<String> unavailable() {
        return Optional.empty();
    }

    /** How long one fault lasts (for a clock jump: how far it jumps). */
    Range durations();

    /**
     * Injects one fault, holds it for {@code duration}, and heals it before returning, also when
     * it fails half-way.
     */
    void inject(Duration duration, Random random, FaultLog log);

    /**
     * Injects a fault on {@code target}, holds it for {@code duration}, and heals it whatever
     * happens meanwhile, logging both ends; {@code detail} adds to the start's line.
     */
    static void hold(FaultLog log, String kind, String target, String detail, Duration duration, Runnable inject,
            Runnable heal) {
        log.start(kind, "target=" + target + detail + " ms=" + duration.toMillis());
        inject.run();
        try {
            Pacing.pause(duration);
        } finally {
            heal.run();
            log.end(kind, "target=" + target);
        }
    }

    /** A fault this machine cannot produce: listed in the report as skipped, with the reason. */
    static Nemesis skipped(String kind, String reason) {
        return new Nemesis() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public Optional<String> unavailable() {
                return Optional.of(reason);
            }

            @Override
            public Range durations() {
                return new Range(Duration.ZERO, Duration.ZERO);
            }

            @Override
            public void inject(Duration duration, Random random, FaultLog log) {
                throw new UnsupportedOperationException(kind + " is skipped here: " + reason);
            }
        };
    }
}
