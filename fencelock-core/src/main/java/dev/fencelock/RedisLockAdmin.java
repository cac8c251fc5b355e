package dev.fencelock;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/** {@link LockAdmin} over one Redis server, reading the key layout of {@link LockKeys}. */
final class RedisLockAdmin implements LockAdmin {
    private static final int HOLDER_PREFIX = 8;
    private static final int MAX_LIST = 100_000;

    private final RedisNode node;
    private final String namespace;

    RedisLockAdmin(RedisNode node, String namespace) {
        this.node = node;
        this.namespace = namespace;
    }

    @Override
    public LockInfo inspect(String name) {
        return inspect(LockKeys.of(namespace, name)).info();
    }

    /** The owner token as read, with the info made of it. */
    private record Observed(String owner, LockInfo info) {}

    private Observed inspect(LockKeys keys) {
        CompletableFuture<String> owner = node.unavailableOnFailure(node.commands().get(keys.lock()));
        CompletableFuture<Long> pttl = node.unavailableOnFailure(node.commands().pttl(keys.lock()));
        CompletableFuture<String> fence = node.unavailableOnFailure(node.commands().get(keys.fence()));
        String holder = node.await(owner);
        long millis = node.await(pttl);
        String token = node.await(fence);
        return new Observed(holder, new LockInfo(keys.name(),
                Optional.ofNullable(holder).map(h -> h.length() > HOLDER_PREFIX ? h.substring(0, HOLDER_PREFIX) : h),
                holder != null && millis >= 0 ? Optional.of(Duration.ofMillis(millis)) : Optional.empty(),
                token == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(token))));
    }

    @Override
    public List<LockInfo> list(String pattern, int limit) {
        Objects.requireNonNull(pattern, "pattern");
        if (limit < 1 || limit > MAX_LIST) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIST + ", was " + limit);
        }
        ScanArgs match = ScanArgs.Builder.matches(escapeGlob(namespace) + "{" + pattern + "}").limit(1000);
        List<LockInfo> held = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = node.await(node.unavailableOnFailure(node.commands().scan(cursor, match)));
            for (String key : page.getKeys()) {
                LockInfo info = inspect(key.substring(namespace.length() + 1, key.length() - 1));
                if (info.isHeld() && held.size() < limit) {
                    held.add(info);
                }
            }
            cursor = page;
        } while (!cursor.isFinished() && held.size() < limit);
        return held;
    }

    @Override
    public Optional<LockInfo> forceRelease(String name) {
        LockKeys keys = LockKeys.of(namespace, name);
        // Delete exactly the owner we report: a new holder that arrives in between is left alone,
        // and looked at again.
        for (int attempt = 0; attempt < 3; attempt++) {
            Observed observed = inspect(keys);
            if (observed.owner() == null) {
                return Optional.empty();
            }
            Long deleted = node.await(node.run(LuaScript.RELEASE, ScriptOutputType.INTEGER,
                    new String[] {keys.lock()}, observed.owner(), keys.channel()));
            if (deleted == 1) {
                return Optional.of(observed.info());
            }
        }
        throw new LockUnavailableException("lock '" + name + "' changed hands during three release attempts");
    }

    private static String escapeGlob(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
