package dev.fencelock.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * An acquisition of this client that waits for a permit of a semaphore: a release of the same
 * client may grant it the permit it frees ({@link LockStore#releasePermit}).
 *
 * @param owner the acquisition's owner token, by which the store queued it
 * @param lease the lease it asked for
 */
public record PermitWaiter(String owner, Duration lease) {
    public PermitWaiter {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(lease, "lease");
    }
}
