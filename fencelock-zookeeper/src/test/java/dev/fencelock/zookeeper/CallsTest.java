package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.LockUnavailableException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The call timeout, without a server: a call whose callback never comes fails, one that answers does not. */
class CallsTest {
    private static final Duration TIMEOUT = Duration.ofMillis(100);
    /** A generous bound against a hang, not a threshold. */
    private static final long HANG_SECONDS = 30;

    /** An answer with result code OK, all that Calls reads of an event. */
    private static final CuratorEvent OK = (CuratorEvent) Proxy.newProxyInstance(CallsTest.class.getClassLoader(),
            new Class<?>[] {CuratorEvent.class}, (proxy, method, args) -> method.getName().equals("getResultCode") ? 0 : null);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final Calls calls = new Calls(TIMEOUT, "the test's server", sentAt -> {}, timer);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void aCallThatIsNeverAnsweredFailsAsUnavailableNamingTheTimeout() {
        CompletableFuture<CuratorEvent> call = calls.run("reading a node", callback -> {});

        Throwable failure = failureOf(call);

        assertThat(failure).as("the call's own bound, not a hang").isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("reading a node on the test's server did not answer within " + TIMEOUT);
    }

    @Test
    void everyUnansweredCallTimesOutThoughAnsweredOnesWereSentBetweenThem() throws Exception {
        CompletableFuture<CuratorEvent> first = calls.run("first", callback -> {});
        AtomicReference<BackgroundCallback> answer = new AtomicReference<>();
        CompletableFuture<CuratorEvent> answered = calls.run("answered", answer::set);
        CompletableFuture<CuratorEvent> last = calls.run("last", callback -> {});

        answer.get().processResult(null, OK);

        assertThat(answered).as("answered in time").isCompleted();
        assertThat(failureOf(first)).hasMessageContaining("first on the test's server did not answer");
        assertThat(failureOf(last)).hasMessageContaining("last on the test's server did not answer");
    }

    private static Throwable failureOf(CompletableFuture<CuratorEvent> call) {
        try {
            call.get(HANG_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("the call completed: " + call);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("the call never failed", e);
        }
    }
}
