package dev.fencelock.redis;

import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distlock description's delayed-restart rule, kept by the client for one Redlock master: a
 * master that restarted may have lost the keys of the locks it granted, and a lock held by a bare
 * majority that included it is then held by a minority. Until the holders' leases have run out,
 * the restarted master's vote could give the same lock to a second client. So after a restart
 * that may have lost keys, the master grants nothing for the quarantine (the longest lease plus
 * one step of the token clock, by default), counted from when the client sees the restart; it
 * still renews, releases and raises counters, which only confirm or undo what others hold.
 *
 * <p>A restart is seen through the client's own connection: the server's run id differs after a
 * reconnect (or the server names none), or a master that could not be reached when the client was
 * created has run for less than the quarantine when it joins. A master first reached when the
 * client is created is taken as it is: a new deployment would otherwise wait a lease before its
 * first lock. A restart that kept every write is not quarantined (see {@link #keptEveryWrite}).
 *
 * <p>Thread-safe: observed from Lettuce's event loops, read by every acquisition.
 */
final class RestartQuarantine {
    private static final Logger log = LoggerFactory.getLogger(RestartQuarantine.class);

    private final Duration length;
    private final String server;
    private final boolean joinsLate;
    private final LongSupplier nanoClock;
    // Guarded by this: what the last check saw, or null before the first.
    private Probe lastSeen;
    /** When the last quarantine ends ({@link System#nanoTime()} scale), valid once {@link #quarantined}: written first. */
    private volatile long endsAt;
    private volatile boolean quarantined;

    /**
     * @param length how long a restarted master grants nothing; zero: never quarantined
     * @param server the server's name for messages
     * @param joinsLate whether the master joins after the client was created: it could not be
     *     reached then, so the first process seen counts as restarted while it is young
     */
    RestartQuarantine(Duration length, String server, boolean joinsLate) {
        this(length, server, joinsLate, System::nanoTime);
    }

    RestartQuarantine(Duration length, String server, boolean joinsLate, LongSupplier nanoClock) {
        this.length = length;
        this.server = server;
        this.joinsLate = joinsLate;
        this.nanoClock = nanoClock;
    }

    /**
     * One look at the server, all from one process (restart-probe.lua, and {@code appendfsync}
     * read beside it on the same connection): its run id ("" when it names none), how long it has
     * run by its own wall clock, whether it writes an append-only file synced on every write, and
     * its restart marker, the run id of the process that first wrote it.
     */
    record Probe(String runId, Duration uptime, boolean syncsEveryWrite, String marker) {
        /** From restart-probe.lua's reply and the value of {@code appendfsync} (null when CONFIG GET was refused). */
        static Probe of(List<?> reply, String appendFsync) {
            return new Probe(String.valueOf(reply.get(0)), Duration.ofSeconds(Long.parseLong(String.valueOf(reply.get(1)))),
                    "1".equals(String.valueOf(reply.get(2))) && "always".equals(appendFsync), String.valueOf(reply.get(3)));
        }
    }

    /**
     * Judges one look at the server and remembers it: quarantines the master when it restarted
     * and may have lost keys. A restart is a process other than the one seen before, or one that
     * names none; first seen on a master that joins late, a process younger than the quarantine.
     */
    synchronized void observe(Probe probe) {
        Probe before = lastSeen;
        lastSeen = probe;
        if (length.isZero()) {
            return;
        }
        boolean restart = before == null
                ? joinsLate && probe.uptime().compareTo(length) < 0
                : probe.runId().isEmpty() || !before.runId().equals(probe.runId());
        if (restart && !keptEveryWrite(before, probe)) {
            quarantine("restarted and may have lost the locks it granted");
        }
    }

    /**
     * Whether a restart kept every write acknowledged before it: the server syncs every write to
     * its append-only file, before the restart as after it, and its restart marker is the one
     * seen before, so that the file was reloaded (not lost with a container's volume, nor
     * replaced by a later process's). A master first seen after its restart has no marker seen
     * before: one written by an earlier process than the present one stands in for it.
     */
    static boolean keptEveryWrite(Probe before, Probe after) {
        if (!after.syncsEveryWrite() || after.marker().isEmpty()) {
            return false;
        }
        return before == null ? !after.marker().equals(after.runId())
                : before.syncsEveryWrite() && before.marker().equals(after.marker());
    }

    /** Quarantines the master from now, when a restart could not be checked. */
    void unchecked() {
        if (!length.isZero()) {
            quarantine("reconnected, and whether it restarted could not be read");
        }
    }

    /** Starts a quarantine from now: a later one never ends before an earlier one, since now only grows. */
    private void quarantine(String why) {
        endsAt = nanoClock.getAsLong() + length.toNanos();
        quarantined = true;
        log.warn("Redis at {} {}: it grants nothing for {} ms", server, why, length.toMillis());
    }

    /** Whether the master may grant now: no quarantine, or its end has passed. */
    boolean allowsGrants() {
        return !quarantined || nanoClock.getAsLong() - endsAt >= 0;
    }

    /** Why the master grants nothing now, while {@link #allowsGrants()} is false. */
    LockUnavailableException refusal() {
        Duration left = Duration.ofNanos(Math.max(0, endsAt - nanoClock.getAsLong()));
        return new LockUnavailableException("Redis at " + server + " restarted and may have lost the locks it granted:"
                + " it grants nothing for " + left.toMillis() + " ms more (redlockRestartQuarantine "
                + length.toMillis() + " ms)");
    }
}
