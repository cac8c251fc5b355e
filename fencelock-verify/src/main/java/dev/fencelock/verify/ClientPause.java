package dev.fencelock.verify;

import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Freezes a holder in the middle of its work — the client that has just claimed the counter —
 * with SIGSTOP for longer than its lease, then thaws it with SIGCONT: the GC pause of Kleppmann's
 * critique of Redlock. The lease runs out, another client acquires the lock and writes, and the
 * frozen one wakes up and writes too, believing it still holds the lock.
 */
final class ClientPause implements Nemesis {
    static final String KIND = "client-pause";
    /** How long to wait for the next claim before pausing a client picked at random. */
    private static final Duration FIND_HOLDER = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(1);

    private final Fleet fleet;
    private final RedisCounter watch;
    private final Range durations;

    ClientPause(Fleet fleet, RedisCounter watch, Range durations) {
        this.fleet = fleet;
        this.watch = watch;
        this.durations = durations;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Range durations() {
        return durations;
    }

    @Override
    public void inject(Duration duration, Random random, FaultLog log) {
        String holder = nextClaimer();
        List<ClientProcess> clients = fleet.clients();
        ClientProcess target = holder != null
                ? fleet.client(Integer.parseInt(holder.substring(1, holder.indexOf('/'))))
                : clients.get(random.nextInt(clients.size()));
        Nemesis.hold(log, KIND, "c" + target.id(), holder != null ? " holder=" + holder : "", duration, target::pause,
                target::resume);
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
