package dev.fencelock.spi;

import dev.fencelock.LockEvents;
import dev.fencelock.LockLostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one engine, called as one: a listener that throws is logged and skipped, so
 * that it can neither break a lock operation nor keep the others from hearing of it. That holds for
 * an {@link Error} too (a test listener's {@code AssertionError}): listeners are called on whatever
 * thread an event happens, the watchdog's or a store's among them, where it would stop the watchdog
 * or leave an acquisition pending.
 */
final class Listeners implements LockEvents {
    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    // Registered rarely, read on every event.
    private final List<LockEvents> listeners = new CopyOnWriteArrayList<>();

    void add(LockEvents listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void remove(LockEvents listener) {
        listeners.remove(listener);
    }

    @Override
    public void acquisitionEnded(String name, Outcome outcome, Duration elapsed) {
        each(listener -> listener.acquisitionEnded(name, outcome, elapsed));
    }

    @Override
    public void leaseGranted(String name) {
        each(listener -> listener.leaseGranted(name));
    }

    @Override
    public void leaseEnded(String name) {
        each(listener -> listener.leaseEnded(name));
    }

    @Override
    public void leaseLost(String name, LockLostException.Reason reason) {
        each(listener -> listener.leaseLost(name, reason));
    }

    @Override
    public void renewalCompleted(int leases, Duration roundTrip, boolean answered) {
        each(listener -> listener.renewalCompleted(leases, roundTrip, answered));
    }

    private void each(Consumer<LockEvents> event) {
        for (LockEvents listener : listeners) {
            try {
                event.accept(listener);
            } catch (Throwable e) {
                log.warn("a LockEvents listener ({}) threw; ignored", listener, e);
            }
        }
    }
}
