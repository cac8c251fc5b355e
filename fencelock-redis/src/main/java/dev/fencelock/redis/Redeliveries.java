package dev.fencelock.redis;

import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Await;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisReadOnlyException;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The scripts one server must run at least once although its connection failed them: a Redlock
 * master's commands fail at once while it is disconnected (Lettuce sends one cut off in flight
 * again after the reconnect, before anything sent later). A release that failed so is kept here
 * and sent again once the connection is back, because the grant it undoes may have run before
 * the connection went, or may be sent again ahead of it: without it, that key would outlive its
 * release by a lease. Only scripts that may run twice are kept (a release deletes the key only
 * while it holds the release's own owner token).
 *
 * <p>At most {@link #MAX_KEPT} are kept; beyond that the oldest is dropped, and its key, if any,
 * ends with its lease. Thread-safe: kept and sent from Lettuce's event loops and the JDK's delay
 * thread.
 */
final class Redeliveries {
    /** Bounds the memory a master down for hours takes: one entry per release not delivered. */
    static final int MAX_KEPT = 10_000;
    /**
     * After a reconnect, the pause before the kept scripts are sent: Lettuce announces the
     * connection before its endpoint accepts commands. A send refused again waits as long again.
     */
    private static final long RESEND_PAUSE_MILLIS = 20;
    private static final Executor RESEND_LATER =
            CompletableFuture.delayedExecutor(RESEND_PAUSE_MILLIS, TimeUnit.MILLISECONDS, Runnable::run);
    /**
     * The pause before a call that the server put off is sent again (see {@link #isPutOff}): a server
     * loading its data or busy with a script says so at once, and would otherwise be asked again
     * and again, every kept call each time.
     */
    private static final long PUT_OFF_PAUSE_MILLIS = 500;
    private static final Executor PUT_OFF_LATER =
            CompletableFuture.delayedExecutor(PUT_OFF_PAUSE_MILLIS, TimeUnit.MILLISECONDS, Runnable::run);
    /** How often a call is put off before it is dropped, about two minutes in all: a key left ends with its lease. */
    static final int MAX_PUT_OFFS = 240;

    /** Sends a kept call again; its failure comes back to {@link #keep}. */
    private final Consumer<Resend> sender;
    /** Whether the connection is up and ready, so that a call refused for want of it is worth sending now. */
    private final BooleanSupplier connected;
    // Guarded by this: the calls to send, oldest first, and whether a send round is scheduled.
    private final List<Resend> kept = new ArrayList<>();
    private boolean scheduled;

    /** One script call to send again, and how often the server put it off so far. */
    record Resend(LuaScript script, ScriptOutputType type, String[] keys, String[] args, int putOffs) {
        Resend(LuaScript script, ScriptOutputType type, String[] keys, String[] args) {
            this(script, type, keys, args, 0);
        }

        Resend putOffOnceMore() {
            return new Resend(script, type, keys, args, putOffs + 1);
        }
    }

    Redeliveries(Consumer<Resend> sender, BooleanSupplier connected) {
        this.sender = sender;
        this.connected = connected;
    }

    /**
     * Keeps a call that failed with {@code error} unless the server answered it (an error reply:
     * the script ran or was refused, either way it is done), but for the replies by which a server
     * puts it off (see {@link #isPutOff}), sent again after a longer pause, {@link #MAX_PUT_OFFS}
     * times at most. A call that timed out is still on
     * its way on a live connection and runs if the server comes back: it is sent again only after
     * a reconnect, which would have cut it off. One refused for want of a connection that is up
     * again already is sent after a short pause.
     */
    void keep(Resend call, Throwable error) {
        Throwable cause = Await.unwrap(error);
        Throwable lettuce = cause instanceof LockUnavailableException ? cause.getCause() : cause;
        // An error reply: done, unless the server put the call off; past this, an answered call is a put-off one.
        boolean answered = lettuce instanceof RedisCommandExecutionException;
        if (answered && (!isPutOff(lettuce) || call.putOffs() == MAX_PUT_OFFS)) {
            return;
        }
        boolean send;
        synchronized (this) {
            if (kept.size() == MAX_KEPT) {
                kept.remove(0);
            }
            kept.add(answered ? call.putOffOnceMore() : call);
            send = !(lettuce instanceof RedisCommandTimeoutException) && !scheduled && connected.getAsBoolean();
            scheduled |= send;
        }
        if (send) {
            (answered ? PUT_OFF_LATER : RESEND_LATER).execute(this::sendKept);
        }
    }

    /**
     * Whether an error reply says the server did not run the script, and may later: busy with
     * another script that ran too long, still loading its data after a restart, or not a writable
     * master for now.
     */
    private static boolean isPutOff(Throwable reply) {
        return reply instanceof RedisBusyException || reply instanceof RedisLoadingException
                || reply instanceof RedisReadOnlyException
                || reply.getMessage() != null && reply.getMessage().startsWith("MASTERDOWN");
    }

    /** Called when the connection is (re)established and ready: sends what was kept, after a short pause. */
    void connected() {
        synchronized (this) {
            if (kept.isEmpty() || scheduled) {
                return;
            }
            scheduled = true;
        }
        RESEND_LATER.execute(this::sendKept);
    }

    private void sendKept() {
        List<Resend> round;
        synchronized (this) {
            scheduled = false;
            round = List.copyOf(kept);
            kept.clear();
        }
        round.forEach(sender);
    }

    /** How many calls wait to be sent again, for the tests. */
    synchronized int size() {
        return kept.size();
    }
}
