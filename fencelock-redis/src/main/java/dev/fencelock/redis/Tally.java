package dev.fencelock.redis;

import java.util.List;
import java.util.function.Function;

/**
 * How the servers answered one question that each answers with a positive number (yes: 1, or
 * release.lua's 2, released and queued), 0 (the key is gone) or -1 (another owner holds it), or
 * failed to answer. {@code failures} counts the servers not waited for too, and the masters absent
 * since the client was created (see {@link LockServers.Reply#absent}); of the former,
 * {@code pending} says how many may still answer in time, and {@code silent} how many missed their
 * last deadline and have not answered since ({@link RedisNode#isAnswering()}): an acquisition
 * does not wait for them while the others can make a majority without them (their late answers
 * are still handled).
 */
record Tally(int yes, int zeros, int minusOnes, int failures, int pending, int silent) {

    /**
     * Whether more answers cannot change the verdict: a majority said yes, or so many said no or
     * failed that the servers still to answer, the silent ones included, cannot make a majority say
     * yes. For a question about a lease already granted (a release, a renewal, a token's
     * write-back), which the masters that hold it must answer: skipping one that was slow once
     * would turn a release that is on its way into an outage.
     */
    boolean isDecided(int quorum) {
        return yes >= quorum || yes + pending + silent < quorum;
    }

    /**
     * As {@link #isDecided}, for an acquisition, which any majority may grant: the silent servers
     * are not waited for while the others can make a majority of answers without them, so that a
     * split vote with a frozen master costs a round trip, not a node timeout per attempt. When the
     * others cannot, the silent ones count among those still to answer: a majority that was slow
     * once is asked again rather than written off, and one that is frozen costs its node timeout
     * and then counts as failed, so that the verdict is an outage, not a refusal by the few that
     * answered.
     */
    boolean isAcquisitionDecided(int quorum) {
        boolean othersMakeAMajority = yes + zeros + minusOnes + pending >= quorum;
        int stillToAnswer = othersMakeAMajority ? pending : pending + silent;
        return yes >= quorum || yes + stillToAnswer < quorum;
    }

    /** The tally of integer replies. */
    static Tally of(List<LockServers.Reply<Long>> replies) {
        return count(replies, value -> value);
    }

    /** The tally of element {@code index} of array replies. */
    static Tally ofElement(List<LockServers.Reply<List<Long>>> replies, int index) {
        return count(replies, value -> value.get(index));
    }

    private static <T> Tally count(List<LockServers.Reply<T>> replies, Function<T, Long> answerOf) {
        int yes = 0;
        int zeros = 0;
        int minusOnes = 0;
        int failures = 0;
        int pending = 0;
        int silent = 0;
        for (LockServers.Reply<T> reply : replies) {
            if (!reply.isOk()) {
                failures++;
                if (reply.isPending()) {
                    if (reply.node().isAnswering()) {
                        pending++;
                    } else {
                        silent++;
                    }
                }
                continue;
            }
            long answer = answerOf.apply(reply.value());
            if (answer > 0) {
                yes++;
            } else if (answer == 0) {
                zeros++;
            } else {
                minusOnes++;
            }
        }
        return new Tally(yes, zeros, minusOnes, failures, pending, silent);
    }
}
