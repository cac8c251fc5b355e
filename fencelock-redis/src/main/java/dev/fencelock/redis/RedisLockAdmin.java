package dev.fencelock.redis;

import dev.fencelock.LockAdmin;
import dev.fencelock.LockInfo;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.HeldLocks;
import dev.fencelock.spi.OwnerTokens;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@link LockAdmin} over the client's servers, reading the key layout of {@link LockKeys}. With
 * several servers, a lock is held by the owner that holds it on a majority of them.
 */
final class RedisLockAdmin implements LockAdmin {

    private final RedisStore store;
    private final LockServers servers;
    private final String namespace;

    RedisLockAdmin(RedisStore store, String namespace) {
        this.store = store;
        this.servers = store.servers();
        this.namespace = namespace;
    }

    /** One server's view of a lock. */
    private record NodeView(String owner, long pttl, String fence, long readers, long permits) {}

    @Override
    public LockInfo inspect(String name) {
        LockKeys keys = LockKeys.of(namespace, name);
        return summarize(keys, observe(keys));
    }

    private List<LockServers.Reply<NodeView>> observe(LockKeys keys) {
        return store.await(servers.onAll(node -> {
            CompletableFuture<String> owner = node.unavailableOnFailure(node.commands().get(keys.lock()));
            CompletableFuture<Long> pttl = node.unavailableOnFailure(node.commands().pttl(keys.lock()));
            CompletableFuture<String> fence = node.unavailableOnFailure(node.commands().get(keys.fence()));
            CompletableFuture<Long> readers =
                    node.run(LuaScript.COUNT_READERS, ScriptOutputType.INTEGER, new String[] {keys.readers()});
            CompletableFuture<Long> permits =
                    node.run(LuaScript.COUNT_READERS, ScriptOutputType.INTEGER, new String[] {keys.permits()});
            return CompletableFuture.allOf(owner, pttl, fence, readers, permits).thenApply(done ->
                    new NodeView(owner.join(), pttl.join(), fence.join(), readers.join(), permits.join()));
        }));
    }

    private LockInfo summarize(LockKeys keys, List<LockServers.Reply<NodeView>> replies) {
        List<NodeView> views = answeredByQuorum(replies);
        return summarize(keys, views, majorityOwner(views));
    }

    /** The views of the servers that answered, a majority of them; else the first failure. */
    private List<NodeView> answeredByQuorum(List<LockServers.Reply<NodeView>> replies) {
        List<NodeView> views = replies.stream().filter(LockServers.Reply::isOk).map(LockServers.Reply::value).toList();
        if (views.size() < servers.quorum()) {
            throw replies.stream().filter(reply -> !reply.isOk()).findFirst()
                    .map(reply -> reply.error() instanceof LockUnavailableException unavailable ? unavailable
                            : new LockUnavailableException("Redis at " + servers.describe() + " failed", reply.error()))
                    .orElseThrow();
        }
        return views;
    }

    /** What {@code views} show of the lock whose majority's owner is {@code holder}. */
    private LockInfo summarize(LockKeys keys, List<NodeView> views, Optional<String> holder) {
        Optional<Duration> remaining = holder.flatMap(owner -> views.stream()
                .filter(view -> owner.equals(view.owner()) && view.pttl() >= 0)
                .map(view -> Duration.ofMillis(view.pttl())).min(Duration::compareTo));
        OptionalLong token = views.stream().map(NodeView::fence).filter(Objects::nonNull)
                .mapToLong(Long::parseLong).max();
        // The readers a majority holds: the quorum-th largest count.
        long readers = views.stream().map(NodeView::readers).sorted(Comparator.reverseOrder())
                .skip(servers.quorum() - 1).findFirst().orElse(0L);
        // Semaphores live on one server only (see RedisStore.supports).
        long permits = views.stream().mapToLong(NodeView::permits).max().orElse(0L);
        return new LockInfo(keys.name(),
                holder.map(OwnerTokens::shown),
                remaining, token, (int) readers, (int) permits);
    }

    @Override
    public List<LockInfo> list(String pattern, int limit) {
        Objects.requireNonNull(pattern, "pattern");
        HeldLocks.checkLimit(limit);
        Set<String> names = new LinkedHashSet<>();
        // The lock keys, and the readers' and permits' keys of names that only readers or permits hold.
        for (String suffix : List.of("", LockKeys.READERS_SUFFIX, LockKeys.PERMITS_SUFFIX)) {
            ScanArgs match = ScanArgs.Builder.matches(escapeGlob(namespace) + "{" + pattern + "}" + suffix).limit(1000);
            for (RedisNode node : servers.nodes()) {
                ScanCursor cursor = ScanCursor.INITIAL;
                do {
                    KeyScanCursor<String> page = node.await(node.unavailableOnFailure(node.commands().scan(cursor, match)));
                    page.getKeys().forEach(key -> names.add(
                            key.substring(namespace.length() + 1, key.length() - suffix.length() - 1)));
                    cursor = page;
                } while (!cursor.isFinished());
            }
        }
        return HeldLocks.among(names, this::inspect, limit);
    }

    /** The owner that holds the lock on a majority of the servers, if one does. */
    private Optional<String> majorityOwner(List<NodeView> views) {
        return views.stream().map(NodeView::owner).filter(Objects::nonNull)
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()))
                .entrySet().stream().filter(entry -> entry.getValue() >= servers.quorum())
                .map(Map.Entry::getKey).findFirst();
    }

    @Override
    public Optional<LockInfo> forceRelease(String name) {
        LockKeys keys = LockKeys.of(namespace, name);
        List<LockServers.Reply<NodeView>> replies = observe(keys);
        return release(keys, replies, summarize(keys, replies), Objects::nonNull, true);
    }

    @Override
    public Optional<LockInfo> forceRelease(String name, String holder) {
        OwnerTokens.checkHolder(holder);
        LockKeys keys = LockKeys.of(namespace, name);
        List<LockServers.Reply<NodeView>> replies = observe(keys);
        List<NodeView> views = answeredByQuorum(replies);
        // The lock's holder, on a majority: a minority's stale or partial owner is not the one named.
        Optional<String> owner = majorityOwner(views);
        if (owner.isEmpty() || !OwnerTokens.isHolder(owner.get(), holder)) {
            return Optional.empty();
        }
        return release(keys, replies, summarize(keys, views, owner), owner.get()::equals, false);
    }

    /** Deletes the owners {@code ownerDeleted} accepts, and every reader when {@code readersToo}. */
    private Optional<LockInfo> release(LockKeys keys, List<LockServers.Reply<NodeView>> replies, LockInfo info,
            Predicate<String> ownerDeleted, boolean readersToo) {
        // On each server, delete exactly the owner read there: a holder that arrives in between is
        // left alone.
        List<CompletableFuture<Long>> deletions = new ArrayList<>();
        for (LockServers.Reply<NodeView> reply : replies) {
            if (reply.isOk() && ownerDeleted.test(reply.value().owner())) {
                deletions.add(store.runRelease(reply.node(), keys, reply.value().owner(), true, "", false));
            }
            if (readersToo && reply.isOk() && reply.value().readers() > 0) {
                // Every reader at once: their leases are lost at the next renewal; waiters are woken.
                RedisNode node = reply.node();
                deletions.add(node.unavailableOnFailure(node.commands().del(keys.readers())
                        .thenCompose(deleted -> announce(node, keys).thenApply(sent -> deleted))));
            }
        }
        boolean deleted = false;
        for (CompletableFuture<Long> deletion : deletions) {
            // The release script answers -1 where another owner holds the key: nothing deleted there.
            deleted |= store.await(deletion) > 0;
        }
        return deleted ? Optional.of(info) : Optional.empty();
    }

    /** Announces a release to every waiter of the lock, as a release script would on {@code node}. */
    private static CompletionStage<Long> announce(RedisNode node, LockKeys keys) {
        return node.shardedPubSub() ? node.commands().spublish(keys.channel(), "") : node.commands().publish(keys.channel(), "");
    }

    private static String escapeGlob(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
