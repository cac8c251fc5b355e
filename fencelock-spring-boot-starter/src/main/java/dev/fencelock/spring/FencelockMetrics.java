package dev.fencelock.spring;

import dev.fencelock.LockClient;
import dev.fencelock.LockEvents;
import dev.fencelock.LockLostException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The client's events as meters, in every registry it is bound to. Not tagged by lock name: names
 * are unbounded (one per order, per row), and a meter per name would grow without end.
 */
final class FencelockMetrics implements MeterBinder, LockEvents, AutoCloseable {
    static final String ACQUIRE = "fencelock.acquire";
    static final String LEASES_HELD = "fencelock.leases.held";
    static final String LEASES_LOST = "fencelock.leases.lost";
    static final String RENEWAL = "fencelock.renewal";

    // The leases held, by name, counted from this listener's registration rather than from the
    // binding (a lease granted before a registry existed is still held); and only those granted
    // since: one granted before (a bean that locks as the application starts, before this one
    // exists) is not taken off when it ends.
    private final Map<String, Integer> held = new ConcurrentHashMap<>();
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final LockClient client;

    FencelockMetrics(LockClient client) {
        this.client = client;
        client.addListener(this);
    }

    /**
     * Takes the listener off the client (Spring calls it as the context closes): a client that
     * outlives the context, the application's own, must not keep feeding, and keeping, its registries.
     */
    @Override
    public void close() {
        client.removeListener(this);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(LEASES_HELD, held, byName -> byName.values().stream().mapToInt(Integer::intValue).sum())
                .description("Leases held through this client now")
                .register(registry);
        // Registered at zero, so that a dashboard shows "no loss" rather than "no data".
        for (LockLostException.Reason reason : LockLostException.Reason.values()) {
            lostCounter(registry, reason);
        }
        registries.add(registry);
    }

    @Override
    public void acquisitionEnded(String name, Outcome outcome, Duration elapsed) {
        for (MeterRegistry registry : registries) {
            Timer.builder(ACQUIRE)
                    .description("Time from the start of an acquisition to its outcome")
                    .tag("outcome", tagValue(outcome))
                    .register(registry)
                    .record(elapsed);
        }
    }

    @Override
    public void leaseGranted(String name) {
        held.merge(name, 1, Integer::sum);
    }

    @Override
    public void leaseEnded(String name) {
        held.computeIfPresent(name, (same, count) -> count == 1 ? null : count - 1);
    }

    @Override
    public void leaseLost(String name, LockLostException.Reason reason) {
        for (MeterRegistry registry : registries) {
            lostCounter(registry, reason).increment();
        }
    }

    @Override
    public void renewalCompleted(int leases, Duration roundTrip, boolean answered) {
        for (MeterRegistry registry : registries) {
            Timer.builder(RENEWAL)
                    .description("Round trip of one renewal call to the store, for a batch of leases")
                    .tag("outcome", answered ? "answered" : "failed")
                    .register(registry)
                    .record(roundTrip);
        }
    }

    private static Counter lostCounter(MeterRegistry registry, LockLostException.Reason reason) {
        return Counter.builder(LEASES_LOST)
                .description("Leases lost while held, by reason")
                .tag("reason", tagValue(reason))
                .register(registry);
    }

    private static String tagValue(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
