package dev.fencelock.spi;

import dev.fencelock.LockAdmin;
import dev.fencelock.LockInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@link LockAdmin}'s rules, the same for every store: the limit {@code list} accepts, the held
 * locks among the names a store found, in the order found, at most the limit of them, and the
 * holder a guarded {@code forceRelease} accepts.
 */
public final class HeldLocks {
    /** The largest {@code limit} of {@link LockAdmin#list}. */
    public static final int MAX_LIST = 100_000;
    /** The longest {@code holder} of {@link LockAdmin#forceRelease(String, String)}. */
    public static final int MAX_HOLDER_LENGTH = 1024;

    private HeldLocks() {}

    /**
     * @return {@code limit}
     * @throws IllegalArgumentException naming the limit, its range and the value
     */
    public static int checkLimit(int limit) {
        if (limit < 1 || limit > MAX_LIST) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIST + ", was " + limit);
        }
        return limit;
    }

    /**
     * @return {@code holder}
     * @throws IllegalArgumentException naming the holder and its allowed length
     */
    public static String checkHolder(String holder) {
        return Checks.requireLength(holder, "holder", 1, MAX_HOLDER_LENGTH);
    }

    /** The locks among {@code names} that {@code inspect} finds held, at most {@code limit}, inspecting no more than needed. */
    public static List<LockInfo> among(Iterable<String> names, Function<String, LockInfo> inspect, int limit) {
        List<LockInfo> held = new ArrayList<>();
        for (String name : names) {
            LockInfo info = inspect.apply(name);
            if (info.isHeld()) {
                held.add(info);
                if (held.size() == limit) {
                    break;
                }
            }
        }
        return held;
    }
}
