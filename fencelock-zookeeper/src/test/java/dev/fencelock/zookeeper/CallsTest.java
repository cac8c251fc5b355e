package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.LockUnavailableException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The call timeout, without a server: a call whose callback never comes fails, one that answers
 * does not; and which answers confirm the session: those that passed the leader, in the session
 * that the call was sent in.
 */
class CallsTest {
    private static final Duration TIMEOUT = Duration.ofMillis(100);
    /** A generous bound against a hang, not a threshold. */
    private static final long HANG_SECONDS = 30;

    private static final long SESSION = 0x1234;
    /** An answer with result code OK to a read. */
    private static final CuratorEvent OK = answer(CuratorEventType.EXISTS, null);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final AtomicLong session = new AtomicLong(SESSION);
    /** The send time of the latest confirmation, 0 while none came. */
    private final AtomicLong confirmedAfter = new AtomicLong();
    private final Calls calls = new Calls(TIMEOUT, "the test's server", session::get, confirmedAfter::set, timer);

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

    @Test
    void aReadsAnswerDoesNotConfirmTheSessionWhereASyncsDoes() throws Exception {
        long before = System.nanoTime();
        answered(CuratorEventType.EXISTS, null);
        answered(CuratorEventType.CHILDREN, null);
        answered(CuratorEventType.GET_DATA, null);
        assertThat(confirmedAfter.get()).as("confirmed by reads, which a member cut off from the leader answers").isZero();

        answered(CuratorEventType.SYNC, null);

        assertThat(confirmedAfter.get()).as("confirmed by the sync, as of its send").isGreaterThanOrEqualTo(before);
    }

    @Test
    void aCreateConfirmsTheSessionUnlessCuratorsProtectionFoundItsNodeByAReadAfterALostReply() throws Exception {
        answered(CuratorEventType.CREATE, null);
        assertThat(confirmedAfter.get()).as("confirmed by a node found again by a read of the children").isZero();

        answered(CuratorEventType.CREATE, new Stat());

        assertThat(confirmedAfter.get()).as("confirmed by the create's own answer").isNotZero();
    }

    @Test
    void anAnswerConfirmsNothingWhenTheSessionChangedSinceTheCallWasSent() throws Exception {
        AtomicReference<BackgroundCallback> answer = new AtomicReference<>();
        CompletableFuture<CuratorEvent> call = calls.run("syncing", answer::set);

        session.set(SESSION + 1);
        answer.get().processResult(null, answer(CuratorEventType.SYNC, null));

        assertThat(call).as("answered all the same").isCompleted();
        assertThat(confirmedAfter.get()).as("confirmed by an answer in another session than the leases'").isZero();
    }

    @Test
    void aCallSentWhileNoSessionWasKnownConfirmsTheOneKnownAtItsAnswer() throws Exception {
        // Another connection opened after an expiry: its session is not known yet.
        session.set(0);
        AtomicReference<BackgroundCallback> early = new AtomicReference<>();
        AtomicReference<BackgroundCallback> late = new AtomicReference<>();
        calls.run("syncing", early::set);
        long sentAt = System.nanoTime();
        calls.run("syncing", late::set);

        early.get().processResult(null, answer(CuratorEventType.SYNC, null));
        assertThat(confirmedAfter.get()).as("confirmed while still no session is known").isZero();

        session.set(SESSION + 1);
        late.get().processResult(null, answer(CuratorEventType.SYNC, null));
        assertThat(confirmedAfter.get()).as("confirmed by the new session, as of the send").isGreaterThanOrEqualTo(sentAt);
    }

    private void answered(CuratorEventType type, Stat stat) throws Exception {
        CompletableFuture<CuratorEvent> call = calls.run(type.name(), callback -> callback.processResult(null, answer(type, stat)));
        assertThat(call).as("answered").isCompleted();
    }

    /** An answer with result code OK, all that Calls reads of an event: its code, its type and its stat. */
    private static CuratorEvent answer(CuratorEventType type, Stat stat) {
        return (CuratorEvent) Proxy.newProxyInstance(CallsTest.class.getClassLoader(), new Class<?>[] {CuratorEvent.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getResultCode" -> 0;
                    case "getType" -> type;
                    case "getStat" -> stat;
                    default -> null;
                });
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
