package dev.fencelock.spi;

import java.time.Duration;
import java.util.Objects;

/** What one {@link LockStore#acquire} found. */
public sealed interface Attempt {

    /**
     * The lock is the caller's.
     *
     * @param fencingToken the acquisition's token, greater than every earlier one for the name
     * @param validity how long the lease holds from the moment the acquire was sent: the lease, less
     *     any allowance for clock drift between the backend's servers
     */
    record Granted(long fencingToken, Duration validity) implements Attempt {
        public Granted {
            Objects.requireNonNull(validity, "validity");
        }
    }

    /**
     * Someone else holds the lock.
     *
     * @param retryAfter when to try again at the latest if no release is announced: the holder's
     *     remaining lease, a polling interval for a holder without expiry, or a random pause when
     *     no holder has a majority
     * @param releaseAnnounced whether the holder's release will be announced to {@linkplain
     *     LockStore#watch watchers}: true for a Fencelock holder (its token begins with {@link
     *     OwnerTokens#PREFIX}); false for a foreign client (a distlock-spec client on the same key),
     *     which announces nothing, so that the engine polls, with a backoff, until {@code retryAfter}
     * @param blockedBy for a multi-lock ({@link LockStore#acquireAll}): the name whose holder refused
     *     it, whose release the engine waits for; null for one name
     */
    record Refused(Duration retryAfter, boolean releaseAnnounced, String blockedBy) implements Attempt {
        public Refused {
            Objects.requireNonNull(retryAfter, "retryAfter");
        }

        /** Someone else holds the one name acquired. */
        public Refused(Duration retryAfter, boolean releaseAnnounced) {
            this(retryAfter, releaseAnnounced, null);
        }
    }

    /**
     * Too little of the backend answered to tell.
     *
     * @param cause what failed, for the exception the caller gets
     * @param retryAfter when to try again (several servers: a random pause), or null when the
     *     acquisition should fail at once (one server that does not answer)
     */
    record Unavailable(Throwable cause, Duration retryAfter) implements Attempt {
        public Unavailable {
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * The store refuses the acquisition for good, however long the caller would wait: a semaphore
     * acquired with another count than the store holds for it. The acquisition fails with
     * {@code reason}.
     */
    record Rejected(RuntimeException reason) implements Attempt {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
