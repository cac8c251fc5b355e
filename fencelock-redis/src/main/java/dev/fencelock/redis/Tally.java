package dev.fencelock.redis;

import java.util.List;
import java.util.function.Function;

/**
 * How the servers answered one question that each answers with a positive number (yes: 1, or
 * release.lua's 2, released and queued), 0 (the key is gone) or -1 (another owner holds it), or
 * failed to answer. {@code failures} counts the servers not waited for too, and the masters absent
 * since the client was created (see {@link LockServers.Reply#absent}); of the former,
 * {@code pending} says how many may still answer in time, and {@code silent} how many missed their
 * last deadline and have not answered since ({@link RedisNode#isAnswering()}): their late answers
 * are still handled, but not waited for while the others can make a majority without them.
 */
record Tally(int yes, int zeros, int minusOnes, int failures, int pending, int silent) {

    /**
     * Whether more answers cannot change the verdict: a majority said yes, or so many said no or
     * failed that the servers still to answer cannot make a majority say yes. The silent servers
     * count among those still to answer when the others cannot make a majority of answers without
     * them: a majority that was slow once is asked again rather than written off, and one that is
     * frozen costs its node timeout and then counts as failed, so that the verdict is an outage,
     * not a refusal by the few that answered.
     */
    boolean isDecided(int quorum) {
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
