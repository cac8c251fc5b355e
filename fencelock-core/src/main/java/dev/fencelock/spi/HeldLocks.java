package dev.fencelock.spi;

import dev.fencelock.LockAdmin;
import dev.fencelock.LockInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@link LockAdmin#list}'s rules, the same for every store: the limit it accepts, and the held
 * locks among the names a store found, in the order found, at most the limit of them.
 */
public final class HeldLocks {
    /** The largest {@code limit} of {@link LockAdmin#list}. */
    public static final int MAX_LIST = 100_000;

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
