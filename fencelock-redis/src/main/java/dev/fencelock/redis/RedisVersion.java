package dev.fencelock.redis;

import dev.fencelock.LockException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The oldest Redis the scripts run on: 5.0, for {@code ZPOPMIN} and for scripts that read
 * {@code TIME} before they write (replicated by their effects, the default since 5.0). Checked at
 * connect, so that an older server fails with a message rather than with a script error later.
 */
final class RedisVersion {
    static final int MIN_MAJOR = 5;
    static final int MIN_MINOR = 0;
    private static final Pattern VERSION = Pattern.compile("(?m)^redis_version:(\\d+)\\.(\\d+)");

    /** The first version with sharded pub/sub ({@code SPUBLISH}, {@code SSUBSCRIBE}). */
    static final int SHARDED_PUBSUB_MAJOR = 7;
    /**
     * The first version whose Sentinel ends the pub/sub connections of a master it turns into a
     * replica (redis/redis#6545), so that they subscribe again on the new master: before, a
     * listener could stay on the former master, and a release on the new one could not count it.
     */
    static final int LISTENERS_FOLLOW_FAILOVER_MAJOR = 6;

    private RedisVersion() {}

    /**
     * @param infoServer the reply to {@code INFO server}
     * @param server the server's name for the message
     * @throws LockException if the server is older than 5.0, or does not say its version
     */
    static void requireSupported(String infoServer, String server) {
        Matcher version = VERSION.matcher(infoServer);
        if (!version.find()) {
            throw new LockException("Redis at " + server + " did not report redis_version in INFO server;"
                    + " Fencelock needs Redis " + MIN_MAJOR + "." + MIN_MINOR + " or later");
        }
        int major = Integer.parseInt(version.group(1));
        int minor = Integer.parseInt(version.group(2));
        if (major < MIN_MAJOR || major == MIN_MAJOR && minor < MIN_MINOR) {
            throw new LockException("Redis at " + server + " is version " + major + "." + minor + "; Fencelock needs "
                    + MIN_MAJOR + "." + MIN_MINOR + " or later (ZPOPMIN, and scripts that read TIME before they write)");
        }
    }

    /**
     * Whether the server has sharded pub/sub, whose messages stay in the shard of the channel's
     * slot instead of crossing the whole cluster bus.
     *
     * @param infoServer the reply to {@code INFO server}, from a server that {@link #requireSupported} accepted
     */
    static boolean hasShardedPubSub(String infoServer) {
        return isAtLeast(infoServer, SHARDED_PUBSUB_MAJOR);
    }

    /**
     * Whether a release on the server can count the listeners of its channel: every listener of
     * the server's topology subscribes to it, also after a Sentinel failover.
     *
     * @param infoServer the reply to {@code INFO server}, from a server that {@link #requireSupported} accepted
     */
    static boolean listenersFollowFailover(String infoServer) {
        return isAtLeast(infoServer, LISTENERS_FOLLOW_FAILOVER_MAJOR);
    }

    private static boolean isAtLeast(String infoServer, int major) {
        Matcher version = VERSION.matcher(infoServer);
        return version.find() && Integer.parseInt(version.group(1)) >= major;
    }
}
