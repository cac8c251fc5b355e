package dev.fencelock.cli;

import dev.fencelock.LockClient;
import dev.fencelock.LockInfo;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fencelock list}: the locks held under the namespace, found with SCAN. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"Lists the locks held under the namespace, with their lease left.",
                "",
                "Finds them with SCAN, never KEYS, so that a large Redis is not blocked."})
final class ListCommand implements Callable<Integer> {
    @Mixin
    RedisOptions redis;

    @Option(names = "--pattern", defaultValue = "*", description = "a glob over lock names (default: ${DEFAULT-VALUE})")
    String pattern;

    @Option(names = "--limit", defaultValue = "1000", description = "list at most this many, 1 to 100000 (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--json", description = "print one JSON array")
    boolean json;

    @Override
    public Integer call() {
        try (LockClient client = redis.connect()) {
            List<LockInfo> held = client.admin().list(pattern, limit);
            if (json) {
                System.out.println(Json.of(held));
            } else if (held.isEmpty()) {
                System.out.println("no lock held matches '" + pattern + "'");
            } else {
                held.forEach(info -> System.out.println(StatusCommand.describe(info)));
            }
        }
        return 0;
    }
}
