package dev.fencelock.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.LeaseOptions;
import dev.fencelock.LockLostException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Lease arithmetic on the local monotonic clock, without a server and without sleeping. */
class EngineLeaseTest {
    private final FakeTicker ticker = new FakeTicker();
    private final AtomicInteger ends = new AtomicInteger();
    private final StoreDeadline storeDeadline = new StoreDeadline(ticker);

    private EngineLease lease(LeaseOptions options) {
        return lease(options, null);
    }

    private EngineLease lease(LeaseOptions options, Thread interruptOnLoss) {
        return new EngineLease(LockKind.PLAIN, "orders:42", "owner", options, interruptOnLoss,
                ticker, storeDeadline, Runnable::run, ended -> ends.incrementAndGet());
    }

    @Test
    void remainingCountsFromWhenTheAcquireWasSent() {
        EngineLease lease = lease(LeaseOptions.renewing(Duration.ofSeconds(30)));
        long sentAt = ticker.nanoTime();
        ticker.advance(Duration.ofMillis(2)); // the round trip
        lease.granted(7, sentAt, lease.options().lease());

        assertThat(lease.remaining()).isEqualTo(Duration.ofMillis(29_998));
        ticker.advance(Duration.ofSeconds(10));
        assertThat(lease.remaining()).isEqualTo(Duration.ofMillis(19_998));
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void theStoresDeadlineEndsALeaseEarlierThanItsOwnLengthAndOnlyMovesLater() {
        EngineLease lease = lease(LeaseOptions.fixed(Duration.ofMinutes(10)));
        lease.granted(1, ticker.nanoTime(), Duration.ofMinutes(10));
        storeDeadline.confirmedFor(Duration.ofSeconds(10));
        storeDeadline.confirmedFor(Duration.ofSeconds(5));

        assertThat(lease.remaining()).as("what the store confirmed, not the 10 min lease").isEqualTo(Duration.ofSeconds(10));
        ticker.advance(Duration.ofSeconds(8));
        storeDeadline.confirmedFor(Duration.ofSeconds(10));
        assertThat(lease.remaining()).as("moved by the later confirmation").isEqualTo(Duration.ofSeconds(10));

        ticker.advance(Duration.ofSeconds(10));
        assertThat(lease.isValid()).as("past the store's deadline").isFalse();
        assertThat(lease.lostNow().reason()).isEqualTo(LockLostException.Reason.EXPIRED);
    }

    @Test
    void renewalIsDueAtAThirdOfTheLease() {
        EngineLease lease = lease(LeaseOptions.renewing(Duration.ofSeconds(30)));
        long sentAt = ticker.nanoTime();
        lease.granted(7, sentAt, lease.options().lease());
        assertThat(lease.renewalDueAt() - sentAt).isEqualTo(TimeUnit.SECONDS.toNanos(10));

        ticker.advance(Duration.ofSeconds(10));
        lease.renewed(ticker.nanoTime());
        assertThat(lease.renewalDueAt() - sentAt).isEqualTo(TimeUnit.SECONDS.toNanos(20));
        assertThat(lease.remaining()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aLeasePastItsDeadlineIsReportedLostOnceAndCheckValidThrows() {
        EngineLease lease = lease(LeaseOptions.fixed(Duration.ofSeconds(5)));
        lease.granted(7, ticker.nanoTime(), lease.options().lease());
        ticker.advance(Duration.ofSeconds(5));

        assertThat(lease.isValid()).isFalse();
        assertThat(lease.remaining()).isZero();
        assertThatThrownBy(lease::checkValid)
                .isInstanceOf(LockLostException.class)
                .hasMessageContaining("lock 'orders:42' (fencing token 7) was lost")
                .extracting(e -> ((LockLostException) e).reason())
                .isEqualTo(LockLostException.Reason.EXPIRED);
        assertThat(lease.lost().toCompletableFuture().getNow(null)).isNotNull();
        assertThat(lease.markLost(LockLostException.Reason.KEY_GONE)).as("a loss is signalled once").isFalse();
        assertThat(ends).as("the lock is handed on once").hasValue(1);
    }

    @Test
    void aRenewalAfterTheReleaseDoesNotRevive() {
        EngineLease lease = lease(LeaseOptions.renewing(Duration.ofSeconds(30)));
        lease.granted(7, ticker.nanoTime(), lease.options().lease());
        assertThat(lease.markReleased()).isTrue();

        lease.renewed(ticker.nanoTime());
        assertThat(lease.markLost(LockLostException.Reason.KEY_GONE)).as("released, not lost").isFalse();
        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(lease::checkValid).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
    }

    @Test
    void aRedlockLeaseIsValidForItsLeaseLessTheDriftAllowance() {
        EngineLease lease = lease(LeaseOptions.renewing(Duration.ofSeconds(10)));
        long sentAt = ticker.nanoTime();
        lease.granted(7, sentAt, Duration.ofMillis(9_898));
        ticker.advance(Duration.ofMillis(9_897));
        assertThat(lease.isValid()).isTrue();
        ticker.advance(Duration.ofMillis(1));
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void aLostLeaseInterruptsTheThreadItIsBoundTo() {
        EngineLease lease = lease(LeaseOptions.renewing(Duration.ofSeconds(30)).interruptHolderOnLoss(), Thread.currentThread());
        lease.granted(7, ticker.nanoTime(), lease.options().lease());
        lease.markLost(LockLostException.Reason.OWNER_CHANGED);
        assertThat(Thread.interrupted()).as("holder interrupted").isTrue();
    }

    @Test
    void aLostLeaseBoundToNoThreadInterruptsNone() {
        EngineLease lease = lease(LeaseOptions.renewing(Duration.ofSeconds(30)));
        lease.granted(7, ticker.nanoTime(), lease.options().lease());
        lease.markLost(LockLostException.Reason.OWNER_CHANGED);
        assertThat(Thread.interrupted()).isFalse();
    }
}
