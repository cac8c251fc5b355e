package dev.fencelock.verify;

import java.time.Duration;

/**
 * How big and how long a run is. The lease is short (1 s) so that a fault outlasts it within
 * seconds; the command timeout is under a third of it, as the library requires.
 *
 * @param mode {@code short} or {@code long}, for the report
 * @param clients client processes per scenario
 * @param window how long faults are injected in each scenario
 * @param briefWindow how long in a scenario each of whose faults shows what it shows
 *     ({@code redlock-skew-restarts}, and the fair and read-write lock scenarios, whose faults are
 *     those of the plain lock's): shorter than {@code window} in the short mode, to keep the
 *     build's run short; {@code window} otherwise
 * @param quiet how long the clients run on after the last fault is healed (recovery)
 * @param lease each acquisition's lease, renewed by the watchdog
 * @param holdMin the shortest time a holder works between claim and write
 * @param holdMax the longest, in most rounds
 * @param longHoldPercent in how many rounds of a hundred a holder works for 1.5 to 3 leases instead,
 *     so that the watchdog renews its lease and a fault can take it away under it
 * @param acquireWait how long an acquisition may wait
 * @param commandTimeout the lock client's command timeout
 * @param redlockNodeTimeout the lock client's per-master timeout under Redlock
 */
record Settings(String mode, int clients, Duration window, Duration briefWindow, Duration quiet, Duration lease, Duration holdMin,
        Duration holdMax, int longHoldPercent, Duration acquireWait, Duration commandTimeout, Duration redlockNodeTimeout) {

    /** The CI run: every scenario in about 20 s, all ten in about 4 minutes on 2 cores. */
    static final Settings SHORT = new Settings("short", 6, Duration.ofSeconds(10), Duration.ofSeconds(6), Duration.ofMillis(1500),
            Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMillis(100), 5, Duration.ofSeconds(4),
            Duration.ofMillis(200), Duration.ofMillis(100));

    /** The long run behind VERIFICATION.md's figures: about 45 minutes in all. */
    static final Settings LONG = new Settings("long", 6, Duration.ofSeconds(240), Duration.ofSeconds(240), Duration.ofSeconds(5),
            Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMillis(100), 5, Duration.ofSeconds(4),
            Duration.ofMillis(200), Duration.ofMillis(100));

    Settings {
        if (clients < 2) {
            throw new IllegalArgumentException("clients must be at least 2 (contention), was " + clients);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        if (briefWindow.isNegative() || briefWindow.isZero() || briefWindow.compareTo(window) > 0) {
            throw new IllegalArgumentException("briefWindow must be positive and not longer than window (" + window + "), was "
                    + briefWindow);
        }
    }

    Settings withClients(int clients) {
        return new Settings(mode, clients, window, briefWindow, quiet, lease, holdMin, holdMax, longHoldPercent, acquireWait, commandTimeout,
                redlockNodeTimeout);
    }

    /** The same window for every scenario, brief or not. */
    Settings withWindow(Duration window) {
        return new Settings(mode, clients, window, window, quiet, lease, holdMin, holdMax, longHoldPercent, acquireWait, commandTimeout,
                redlockNodeTimeout);
    }
}
