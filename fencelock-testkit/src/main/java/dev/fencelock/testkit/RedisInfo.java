package dev.fencelock.testkit;

import java.util.Optional;

/** Fields of the {@code field:value} lines that {@code INFO} and {@code CLUSTER INFO} reply with. */
public final class RedisInfo {
    private RedisInfo() {}

    /** The value of {@code field} in {@code info}, or empty when the reply has no such line (Redis omits counters still at zero). */
    public static Optional<String> field(String info, String field) {
        String prefix = field + ":";
        for (String line : info.split("\r\n")) {
            if (line.startsWith(prefix)) {
                return Optional.of(line.substring(prefix.length()).trim());
            }
        }
        return Optional.empty();
    }
}
