package dev.fencelock.bench;

import dev.fencelock.testkit.RedisServer;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The commands that clients sent to a server since its stats were reset, from
 * {@code INFO commandstats}.
 *
 * <p>Redis also counts, as calls of their own, the commands that a Lua script runs. Fencelock
 * and Redisson do every lock operation in a script, so only the commands that can only come
 * from a client are counted: scripts, pub/sub and PING. (A check with {@code MONITOR}, whose
 * lines tell a client's commands from a script's, found no other command from either library in
 * scenarios 5 and 6; see BENCHMARKS.md.)
 */
final class ClientCommands {
    static final Set<String> SCRIPTS = Set.of("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro");
    private static final Set<String> OTHERS = Set.of("subscribe", "unsubscribe", "psubscribe", "punsubscribe",
            "ssubscribe", "sunsubscribe", "ping");

    /** Calls and server time of each command. */
    record Stat(long calls, long usec) {}

    private final Map<String, Stat> stats;

    private ClientCommands(Map<String, Stat> stats) {
        this.stats = stats;
    }

    /** The client-sent commands counted by {@code redis} since its last {@link RedisServer#resetStats()}. */
    static ClientCommands of(RedisServer redis) {
        Map<String, Stat> stats = new TreeMap<>();
        for (String line : ((String) redis.call("INFO", "commandstats")).split("\r\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            if (SCRIPTS.contains(name) || OTHERS.contains(name)) {
                stats.put(name, new Stat(field(line, "calls="), field(line, "usec=")));
            }
        }
        return new ClientCommands(stats);
    }

    private static long field(String line, String prefix) {
        int from = line.indexOf(prefix) + prefix.length();
        int to = line.indexOf(',', from);
        return Long.parseLong(line.substring(from, to < 0 ? line.length() : to));
    }

    long total() {
        return stats.values().stream().mapToLong(Stat::calls).sum();
    }

    long scriptCalls() {
        return stats.entrySet().stream().filter(e -> SCRIPTS.contains(e.getKey())).mapToLong(e -> e.getValue().calls()).sum();
    }

    /** Server time spent in scripts, including the commands they ran, in microseconds. */
    long scriptMicros() {
        return stats.entrySet().stream().filter(e -> SCRIPTS.contains(e.getKey())).mapToLong(e -> e.getValue().usec()).sum();
    }

    /** Calls per command name, for the JSON: who can check the count can check the filter. */
    Map<String, Long> breakdown() {
        Map<String, Long> calls = new TreeMap<>();
        stats.forEach((name, stat) -> calls.put(name, stat.calls()));
        return calls;
    }
}
