package dev.fencelock.verify;

import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nemesis's history: when each fault started and was healed, what it hit, and the run's
 * measurement window; it also counts the faults injected per kind and collects what went wrong
 * with the harness itself (a failover that never came), which fails the run.
 */
final class FaultLog implements AutoCloseable {
    private final HistoryWriter history;
    private final Map<String, Integer> counts = new TreeMap<>();
    private final List<String> errors = new ArrayList<>();

    FaultLog(HistoryWriter history) {
        this.history = history;
    }

    /** A fault of {@code kind} begins; {@code detail} is {@code key=value} pairs (target, duration). */
    void start(String kind, String detail) {
        counts.merge(kind, 1, Integer::sum);
        history.record(0, Type.START, Op.FAULT, Event.NONE, Event.NONE, ("kind=" + kind + " " + detail).trim());
    }

    /** The fault is healed; {@code detail} may say what was found (the fence counter after a restart). */
    void end(String kind, String detail) {
        history.record(0, Type.END, Op.FAULT, Event.NONE, Event.NONE, ("kind=" + kind + " " + detail).trim());
    }

    /** Opens the measurement window: every client is connected. */
    Event runStarted() {
        return history.record(0, Type.START, Op.RUN, Event.NONE, Event.NONE, "");
    }

    /** Closes it: the clients are told to stop. */
    Event runEnded() {
        return history.record(0, Type.END, Op.RUN, Event.NONE, Event.NONE, "");
    }

    /** Something the harness could not do; the run fails with it. */
    void error(String message) {
        errors.add(message);
        history.record(0, Type.INFO, Op.FAULT, Event.NONE, Event.NONE, "error=" + message.replaceAll("\\s+", "_"));
    }

    /** Faults injected, per kind. */
    Map<String, Integer> counts() {
        return Map.copyOf(counts);
    }

    List<String> errors() {
        return List.copyOf(errors);
    }

    @Override
    public void close() {
        history.close();
    }
}
