package dev.fencelock.spi;

import java.time.Duration;
import java.util.Set;

/**
 * What a store tells the engine between the engine's calls, about leases it holds for the engine
 * ({@link LockStore#reportTo}). For a store whose leases are one session (ZooKeeper): the session
 * expired, or it is confirmed for a while longer. Thread-safe; called from the store's threads.
 */
public interface LeaseReports {

    /**
     * The leases of {@code owners} are lost: each held one is signalled at once, as
     * {@link dev.fencelock.LockLostException.Reason#KEY_GONE}; owners the engine does not hold are ignored.
     */
    void lost(Set<String> owners);

    /**
     * Every lease of this client is safe for at most {@code remaining} from now, unless a later
     * report says longer: past that moment, a lease counts as run out ({@code remaining()} shows it,
     * and the loss is signalled as {@link dev.fencelock.LockLostException.Reason#EXPIRED}) even where its
     * own length would last longer. A report earlier than the last one changes nothing.
     */
    void confirmedFor(Duration remaining);
}
