package dev.fencelock.redis;

import dev.fencelock.LockUnavailableException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distlock description's delayed-restart rule, kept by the client for one Redlock master: a
 * master that restarted may have lost the keys of the locks it granted, and a lock held by a bare
 * majority that included it is then held by a minority. Until the holders' leases have run out,
 * the restarted master's vote could give the same lock to a second client. So after a restart
 * that may have lost keys, the master grants nothing for the quarantine (the longest lease plus
 * one step of the token clock, by default); it still renews, releases and raises counters, which
 * only confirm or undo what others hold.
 *
 * <p>A restart is seen through the client's own connection: the server's {@code run_id} differs
 * after a reconnect (or the server reports none), and the quarantine counts from then; or a
 * master that could not be reached when the client was created has run for less than the
 * quarantine when it joins, and the quarantine counts from its start. A master first reached when
 * the client is created is taken as it is: a new deployment would otherwise wait a lease before its
 * first lock. A restart that kept every write is not quarantined: see {@link #keptEveryWrite}.
 *
 * <p>Thread-safe: observed from Lettuce's event loops, read by every acquisition.
 */
final class RestartQuarantine {
    private static final Logger log = LoggerFactory.getLogger(RestartQuarantine.class);
    private static final Pattern RUN_ID = Pattern.compile("(?m)^run_id:(\\w+)");
    private static final Pattern UPTIME = Pattern.compile("(?m)^uptime_in_seconds:(\\d+)");
    private static final Pattern AOF_ENABLED = Pattern.compile("(?m)^aof_enabled:1\\s*$");

    private final Duration length;
    private final String server;
    private final boolean joinsLate;
    private final LongSupplier nanoClock;
    // Guarded by this: the run id of the server process last seen, "" when it reported none.
    private String runId;
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

    /** One observation of the server: its process, and how long it has run by its own wall clock. */
    record Start(String runId, Duration uptime) {
        /** From the reply to {@code INFO server}; a reply without them reads as a process without a name, started now. */
        static Start of(String infoServer) {
            Matcher runId = RUN_ID.matcher(infoServer);
            Matcher uptime = UPTIME.matcher(infoServer);
            return new Start(runId.find() ? runId.group(1) : "",
                    Duration.ofSeconds(uptime.find() ? Long.parseLong(uptime.group(1)) : 0));
        }
    }

    /**
     * Whether {@code start} shows a restart that may have lost keys (unless the server kept every
     * write), and how long ago it is taken to have happened: now, for a process other than the
     * one seen before or one without a name (a server's uptime follows its wall clock, which may
     * have stepped); its uptime, for the first process seen on a master that joins late, if it is
     * younger than the quarantine. Empty otherwise. The process is remembered either way.
     */
    synchronized Optional<Duration> restartSeen(Start start) {
        String before = runId;
        runId = start.runId();
        if (length.isZero()) {
            return Optional.empty();
        }
        if (before == null) {
            return joinsLate && start.uptime().compareTo(length) < 0 ? Optional.of(start.uptime()) : Optional.empty();
        }
        return start.runId().isEmpty() || !before.equals(start.runId()) ? Optional.of(Duration.ZERO) : Optional.empty();
    }

    /**
     * Whether a restarted server kept every write it acknowledged before: it writes an append-only
     * file with {@code appendfsync always}, and a key written before the restart is still there
     * (the restart marker of {@link RedisNode.RedlockMaster}), so that the file was reloaded, not
     * lost with the container that held it.
     *
     * @param infoPersistence the reply to {@code INFO persistence}
     * @param appendFsync the value of {@code appendfsync}, or null when {@code CONFIG GET} was refused
     * @param markerKept whether the marker written by an earlier process is still there
     */
    static boolean keptEveryWrite(String infoPersistence, String appendFsync, boolean markerKept) {
        return markerKept && AOF_ENABLED.matcher(infoPersistence).find() && "always".equals(appendFsync);
    }

    /**
     * Starts the quarantine of a restart that may have lost keys, taken to have happened
     * {@code age} ago; a quarantine already running that ends later is kept.
     */
    void restarted(Duration age) {
        if (length.isZero()) {
            return;
        }
        Duration left = length.minus(age);
        long ends = nanoClock.getAsLong() + left.toNanos();
        synchronized (this) {
            endsAt = quarantined && endsAt - ends > 0 ? endsAt : ends;
            quarantined = true;
        }
        if (left.compareTo(Duration.ZERO) > 0) {
            log.warn("Redis at {} restarted and may have lost the locks it granted: it grants nothing for {} ms",
                    server, left.toMillis());
        }
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
