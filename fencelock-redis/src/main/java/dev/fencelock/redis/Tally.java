package dev.fencelock.redis;

import java.util.List;

/**
 * How the servers answered one question that each answers with a positive number (yes: 1, or
 * release.lua's 2, released and queued), 0 (the key is gone) or -1 (another owner holds it), or
 * failed to answer.
 */
record Tally(int yes, int zeros, int minusOnes, int failures) {

    /**
     * Whether more answers cannot change the verdict: a majority said yes, or so many said no that
     * a majority can no longer say yes. Servers not heard from count as failures.
     */
    boolean isDecided(int quorum) {
        int size = yes + zeros + minusOnes + failures;
        return yes >= quorum || zeros + minusOnes > size - quorum;
    }

    /** The tally of integer replies. */
    static Tally of(List<LockServers.Reply<Long>> replies) {
        return count(replies.stream().map(reply -> reply.isOk() ? reply.value() : null).toList());
    }

    /** The tally of element {@code index} of array replies. */
    static Tally ofElement(List<LockServers.Reply<List<Long>>> replies, int index) {
        return count(replies.stream().map(reply -> reply.isOk() ? reply.value().get(index) : null).toList());
    }

    private static Tally count(List<Long> answers) {
        int yes = 0;
        int zeros = 0;
        int minusOnes = 0;
        int failures = 0;
        for (Long answer : answers) {
            if (answer == null) {
                failures++;
            } else if (answer > 0) {
                yes++;
            } else if (answer == 0) {
                zeros++;
            } else {
                minusOnes++;
            }
        }
        return new Tally(yes, zeros, minusOnes, failures);
    }
}
