package dev.fencelock.zookeeper;

import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Await;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.KeeperException;

/**
 * Curator's background calls as futures, each bounded by the call timeout: Curator retries a call
 * while the connection is down, and the bound is what makes "ZooKeeper does not answer" a
 * {@link LockUnavailableException} within the timeout rather than a wait. Every answer is also a
 * confirmation of the session, as of the call's send.
 */
final class Calls {
    /** A background call of Curator's builders: {@code client.getChildren().inBackground(callback).forPath(path)}. */
    @FunctionalInterface
    interface Background {
        void start(BackgroundCallback callback) throws Exception;
    }

    private final Duration timeout;
    private final String server;
    /** Told the send time (System.nanoTime) of every call that the server answered: the session was alive after it. */
    private final LongConsumer answeredAfter;

    Calls(Duration timeout, String server, LongConsumer answeredAfter) {
        this.timeout = timeout;
        this.server = server;
        this.answeredAfter = answeredAfter;
    }

    /**
     * Starts {@code call}; the future completes with its event when the result code is one of
     * {@code answers} (OK is always one), and fails with {@link LockUnavailableException} on any
     * other code, an exception, or no answer within the timeout.
     */
    CompletableFuture<CuratorEvent> run(String what, Background call, KeeperException.Code... answers) {
        return runOrUndo(what, call, late -> {}, answers);
    }

    /**
     * As {@link #run}, and hands a call that succeeded only after its future had failed (timed out)
     * to {@code undo}: a node created then belongs to nobody.
     */
    CompletableFuture<CuratorEvent> runOrUndo(String what, Background call, Consumer<CuratorEvent> undo,
            KeeperException.Code... answers) {
        Set<KeeperException.Code> accepted = Set.of(answers);
        CompletableFuture<CuratorEvent> result = new CompletableFuture<>();
        long sentAt = System.nanoTime();
        try {
            call.start((client, event) -> {
                KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
                if (code == KeeperException.Code.OK || accepted.contains(code)) {
                    // Before the caller hears of it: a lease granted by this answer is covered by it.
                    answeredAfter.accept(sentAt);
                    if (!result.complete(event) && code == KeeperException.Code.OK) {
                        undo.accept(event);
                    }
                } else {
                    result.completeExceptionally(unavailable(what, KeeperException.create(code, event.getPath())));
                }
            });
        } catch (Exception e) {
            result.completeExceptionally(unavailable(what, e));
        }
        return result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(error ->
                CompletableFuture.failedFuture(Await.unwrap(error) instanceof TimeoutException timedOut
                        ? unavailable(what, timedOut) : Await.unwrap(error)));
    }

    /** The failure of a call, as the caller sees it: naming the server, never a Curator type in the message alone. */
    LockUnavailableException unavailable(String what, Throwable cause) {
        if (cause instanceof LockUnavailableException unavailable) {
            return unavailable;
        }
        String why = cause instanceof TimeoutException ? "did not answer within " + timeout : "failed: " + cause;
        return new LockUnavailableException(what + " on " + server + " " + why, cause);
    }

    static KeeperException.Code code(CuratorEvent event) {
        return KeeperException.Code.get(event.getResultCode());
    }
}
