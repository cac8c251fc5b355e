package dev.fencelock.verify;

import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Freezes a holder in the middle of its work — the client that has just claimed the counter —
 * with SIGSTOP for longer than its lease, then thaws it with SIGCONT: the GC pause of Kleppmann's
 * critique of Redlock. The lease runs out, another client acquires the lock and writes, and the
 * frozen one wakes up and writes too, believing it still holds the lock.
 *
 * <p>{@link #waiters} freezes a client that does not hold the lock instead: under the fair lock, a
 * waiter in the queue, which must be skipped as gone rather than stall the queue.
 */
final class ClientPause implements Nemesis {
    static final String KIND = "client-pause";
    static final String KIND_WAITER = "waiter-pause";
    /** How long to wait for the next claim before pausing a client picked at random. */
    private static final Duration FIND_HOLDER = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(1);

    private final Fleet fleet;
    private final RedisCounter watch;
    private final Range durations;
    private final boolean waiter;

    ClientPause(Fleet fleet, RedisCounter watch, Range durations) {
        this(fleet, watch, durations, false);
    }

    private ClientPause(Fleet fleet, RedisCounter watch, Range durations, boolean waiter) {
        this.fleet = fleet;
        this.watch = watch;
        this.durations = durations;
        this.waiter = waiter;
    }

    /** Freezes a client picked at random among those that did not claim the counter last. */
    static ClientPause waiters(Fleet fleet, RedisCounter watch, Range durations) {
        return new ClientPause(fleet, watch, durations, true);
    }

    @Override
    public String kind() {
        return waiter ? KIND_WAITER : KIND;
    }

    @Override
    public Range durations() {
        return durations;
    }

    @Override
    public void inject(Duration duration, Random random, FaultLog log) {
        String holder = waiter ? watch.claimer() : nextClaimer();
        ClientProcess target;
        if (!waiter && holder != null) {
            target = fleet.client(clientOf(holder));
        } else {
            List<ClientProcess> candidates = fleet.clients().stream()
                    .filter(client -> !waiter || holder == null || client.id() != clientOf(holder)).toList();
            target = candidates.get(random.nextInt(candidates.size()));
        }
        Nemesis.hold(log, kind(), "c" + target.id(), holder != null ? " holder=" + holder : "", duration, target::pause,
                target::resume);
    }

    /** The client's number in a holder's name: 3 in {@code c3/17}. */
    private static int clientOf(String holder) {
        return Integer.parseInt(holder.substring(1, holder.indexOf('/')));
    }

    /** The next holder to claim the counter ({@code c3/17}), polled with a deadline; null if none did. */
    private String nextClaimer() {
        String before = watch.claimer();
        long deadline = System.nanoTime() + FIND_HOLDER.toNanos();
        while (System.nanoTime() - deadline < 0) {
            String now = watch.claimer();
            if (now != null && !now.equals(before)) {
                return now;
            }
            Pacing.pause(POLL);
        }
        return null;
    }
}
