package dev.fencelock.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every bad argument fails fast, with a message naming the argument, its value and the allowed range. */
class ArgumentValidationTest {

    @Test
    void leaseOptionsAreChecked() {
        assertThatThrownBy(() -> LeaseOptions.renewing(null)).isInstanceOf(NullPointerException.class).hasMessage("lease");
        assertThatThrownBy(() -> LeaseOptions.fixed(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease must be between");
        assertThatThrownBy(() -> LeaseOptions.renewing(Duration.ofMillis(29)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was PT0.029S");
        LeaseOptions options = LeaseOptions.fixed(Duration.ofSeconds(2)).interruptHolderOnLoss();
        assertThat(options.isRenewing()).isFalse();
        assertThat(options.interruptsHolderOnLoss()).isTrue();
        assertThat(options.lease()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aFixedLeaseMayBeAsShortAsAMillisecondAndItsNewEndIsChecked() {
        assertThat(LeaseOptions.fixed(Duration.ofMillis(1)).lease()).isEqualTo(Duration.ofMillis(1));
        assertThatThrownBy(() -> LeaseOptions.fixed(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("lease must be between PT0.001S and PT24H, was PT0S");
        // A clock that stands still: a 2 ms lease is granted in time however slowly a cold JVM judges it.
        try (LockClient client = new LockEngine(new MemoryStore(), Duration.ofSeconds(30), new FakeTicker())) {
            Lease fixed = client.lock("fixed").acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(2)));
            assertThatThrownBy(() -> fixed.extend(Duration.ofDays(2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("lease must be between PT0.001S and PT24H, was PT48H");
            assertThatThrownBy(() -> fixed.releaseAfter(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("keep must be between PT0S and PT24H, was PT-0.001S");
            fixed.close();
            assertThatThrownBy(() -> fixed.extend(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("was already released");
            try (Lease renewing = client.lock("renewing").acquire(Duration.ZERO)) {
                assertThatThrownBy(() -> renewing.extend(Duration.ofSeconds(1)))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("extend(Duration) is for fixed leases");
            }
        }
    }

    @Test
    void lockNamesAreCheckedByTheEngineForEveryStore() {
        try (LockClient client = LockEngine.start(new MemoryStore(), Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> client.lock(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
            assertThatThrownBy(() -> client.lock(""))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("name must have 1 to 1024 characters, had 0");
            assertThatThrownBy(() -> client.lock("x".repeat(1025)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("name must have 1 to 1024 characters, had 1025");
            // Each of these would be encoded as "job?" on its way to a store.
            assertThatThrownBy(() -> client.lock("job\uD800"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("name must be well-formed UTF-16, but has an unpaired surrogate \\uD800 at index 3");
            assertThatThrownBy(() -> client.lock("\uDC00job"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\\uDC00 at index 0");
            assertThat(client.lock("job\uD83D\uDD12").name()).as("a surrogate pair is a well-formed character")
                    .isEqualTo("job\uD83D\uDD12");
            assertThatThrownBy(() -> client.lock("x", null)).isInstanceOf(NullPointerException.class).hasMessage("options");
        }
    }

    @Test
    void aSemaphoreCountIsCheckedBeforeTheStoreIsAskedAndAStoreWithoutSemaphoresSaysSo() {
        try (LockClient client = LockEngine.start(new MemoryStore(), Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> client.semaphore("permits", 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("permits must be between 1 and 10000, was 0");
            assertThatThrownBy(() -> client.semaphore("permits", 10_001))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("permits must be between 1 and 10000, was 10001");
            assertThatThrownBy(() -> client.semaphore("", 3))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("name must have 1 to 1024");
            // The memory store has plain locks only: a store says no in supports(kind).
            assertThatThrownBy(() -> client.semaphore("permits", 3))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageStartingWith("a semaphore is not supported on ");
        }
    }

    @Test
    void multiLockNamesAreCheckedBeforeTheStoreIsAskedWhetherItHasMultiLocks() {
        try (LockClient client = LockEngine.start(new MemoryStore(), Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> client.multiLock((String[]) null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("names");
            assertThatThrownBy(() -> client.multiLock()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("names must hold 1 to 64 lock names, was 0");
            String[] tooMany = new String[65];
            java.util.Arrays.setAll(tooMany, i -> "n" + i);
            assertThatThrownBy(() -> client.multiLock(tooMany)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("names must hold 1 to 64 lock names, was 65");
            assertThatThrownBy(() -> client.multiLock("a", null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("names[1]");
            assertThatThrownBy(() -> client.multiLock("a", "")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("names[1] must have 1 to 1024 characters, had 0");
            assertThatThrownBy(() -> client.multiLock("a", "b", "a")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("names must be distinct, but 'a' is given twice, again as names[2]");
            assertThatThrownBy(() -> client.multiLock((dev.fencelock.LeaseOptions) null, "a", "b")).isInstanceOf(NullPointerException.class)
                    .hasMessage("options");
            assertThatThrownBy(() -> client.multiLock("a", "b")).as("a store without multi-locks")
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("a multi-lock is not supported on").hasMessageContaining("[a, b]");
        }
    }

    @Test
    void aDefaultLeaseNotLongerThanThreeCallTimeoutsIsRefused() {
        MemoryStore store = new MemoryStore(); // call timeout 300 ms
        assertThatThrownBy(() -> LockEngine.start(store, Duration.ofMillis(900)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("defaultLease (PT0.9S) must be longer than three command timeouts (commandTimeout PT0.3S),"
                        + " so that a renewal can time out and be retried before the lease runs out");
    }

    @Test
    void ownerTokensAreThePrefixAnd128RandomBits() {
        OwnerTokens tokens = new OwnerTokens();
        String first = tokens.next();
        assertThat(first).matches("fl-[0-9a-f]{32}");
        assertThat(tokens.next()).isNotEqualTo(first);
    }
}
