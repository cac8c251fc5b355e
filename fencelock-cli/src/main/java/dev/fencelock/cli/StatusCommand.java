package dev.fencelock.cli;

import dev.fencelock.LockClient;
import dev.fencelock.LockInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fencelock status}: held or free, by whom, for how long, and the last fencing token. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows whether a lock is held, by whom, and for how long.",
                "",
                "Prints the holder (its owner token prefix), the lease it has left and the last fencing token "
                        + "issued for the lock."})
final class StatusCommand implements Callable<Integer> {
    @Mixin
    RedisOptions redis;

    @Option(names = "--name", required = true, description = "the lock's name")
    String name;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() {
        try (LockClient client = redis.connect()) {
            LockInfo info = client.admin().inspect(name);
            System.out.println(json ? Json.of(info) : describe(info));
        }
        return 0;
    }

    static String describe(LockInfo info) {
        String token = info.lastFencingToken().isPresent()
                ? "last fencing token " + info.lastFencingToken().getAsLong()
                : "no fencing token yet";
        return info.name() + ": " + holding(info) + ", " + token;
    }

    /**
     * Whether and by whom the name is held (its holder, readers, semaphore permits) and the holder's
     * lease left: the words of {@code status}, and of {@code run} while it waits.
     */
    static String holding(LockInfo info) {
        if (!info.isHeld()) {
            return "free";
        }
        String readers = info.readers() == 1 ? "1 reader" : info.readers() + " readers";
        String permits = info.permits() > 0 ? ", " + info.permits() + " semaphore permit" + (info.permits() == 1 ? "" : "s")
                + " held" : "";
        if (info.holder().isEmpty() && info.readers() == 0) {
            return "lock free" + permits;
        }
        if (info.holder().isEmpty()) {
            return "held by " + readers + permits;
        }
        String remaining = info.remaining()
                .map(r -> String.format("%.1f s of lease left", r.toMillis() / 1000.0))
                .orElse("no expiry in the store (a ZooKeeper holder's session, or a foreign client's lock)");
        return "held by " + info.holder().orElseThrow() + ", " + remaining
                + (info.readers() > 0 ? ", and by " + readers : "") + permits;
    }
}
