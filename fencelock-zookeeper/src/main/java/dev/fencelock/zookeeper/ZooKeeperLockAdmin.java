package dev.fencelock.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.fencelock.LockAdmin;
import dev.fencelock.LockInfo;
import dev.fencelock.spi.HeldLocks;
import dev.fencelock.spi.OwnerTokens;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * {@link LockAdmin} over the nodes of {@link LockNodes}: the holder is the first exclusive node
 * (Fencelock's or a Curator recipe's) or the readers before any; its fencing token, the zxid that
 * created it. A node lives as long as its session, so a holder has no remaining lease to show.
 * A look reads the queue, then the latest holder's node; a lock that changed hands between the two
 * at each of three looks is shown as the last queue read found it, without a token (the
 * node that had it is gone) and an exclusive holder by its node's name.
 */
final class ZooKeeperLockAdmin implements LockAdmin {
    /** Enough for a lock released once while it is looked at; few enough to answer a lock that never stays put. */
    private static final int LOOKS = 3;

    private final ZooKeeperStore store;

    ZooKeeperLockAdmin(ZooKeeperStore store) {
        this.store = store;
    }

    /**
     * The holders of a lock at one moment: their names, and the stat and data of the latest of them,
     * both null when it was released before its node was read.
     */
    private record Holders(String lockPath, List<String> nodes, Stat latest, byte[] latestData) {

        boolean latestReleasedMeanwhile() {
            return !nodes.isEmpty() && latest == null;
        }
    }

    @Override
    public LockInfo inspect(String name) {
        return summarize(name, observe(name));
    }

    private Holders observe(String name) {
        String lockPath = LockPaths.lockPath(store.options().rootPath(), name);
        Holders seen = look(lockPath);
        for (int look = 1; look < LOOKS && seen.latestReleasedMeanwhile(); look++) {
            seen = look(lockPath);
        }
        return seen;
    }

    private Holders look(String lockPath) {
        List<String> children = store.await(store.calls().run("reading the nodes of " + lockPath,
                callback -> store.client().getChildren().inBackground(callback).forPath(lockPath),
                KeeperException.Code.NONODE)).getChildren();
        List<String> holders = LockNodes.holders(LockNodes.ordered(children == null ? List.of() : children));
        if (holders.isEmpty()) {
            return new Holders(lockPath, holders, null, null);
        }
        // The latest holder has the greatest sequence, and so the greatest zxid: the last token granted.
        String latest = lockPath + "/" + holders.get(holders.size() - 1);
        CuratorEvent data = store.await(store.calls().run("reading " + latest,
                callback -> store.client().getData().inBackground(callback).forPath(latest), KeeperException.Code.NONODE));
        return new Holders(lockPath, holders, data.getStat(), data.getData());
    }

    private static LockInfo summarize(String name, Holders holders) {
        if (holders.nodes().isEmpty()) {
            return new LockInfo(name, Optional.empty(), Optional.empty(), OptionalLong.empty(), 0);
        }
        boolean exclusive = hasExclusiveHolder(holders);
        // An exclusive holder is the only one, and so the latest.
        Optional<String> holder = exclusive ? Optional.of(OwnerTokens.shown(holderValue(holders))) : Optional.empty();
        OptionalLong token = holders.latest() == null ? OptionalLong.empty() : OptionalLong.of(holders.latest().getCzxid());
        return new LockInfo(name, holder, Optional.empty(), token, exclusive ? 0 : holders.nodes().size());
    }

    /** Whether one exclusive holder holds the lock, rather than readers or nobody. */
    private static boolean hasExclusiveHolder(Holders holders) {
        return !holders.nodes().isEmpty() && !LockNodes.isRead(holders.nodes().get(0));
    }

    /**
     * What tells the latest holder apart: a Fencelock owner token; of a Curator node, its data (the
     * holder's address, by default) or else its name.
     */
    private static String holderValue(Holders holders) {
        byte[] data = holders.latestData();
        return data == null || data.length == 0 ? holders.nodes().get(holders.nodes().size() - 1) : new String(data, UTF_8);
    }

    @Override
    public List<LockInfo> list(String pattern, int limit) {
        Objects.requireNonNull(pattern, "pattern");
        HeldLocks.checkLimit(limit);
        Pattern glob = Glob.toPattern(pattern);
        String root = store.options().rootPath();
        List<String> children = store.await(store.calls().run("reading the locks under " + root,
                callback -> store.client().getChildren().inBackground(callback).forPath(root),
                KeeperException.Code.NONODE)).getChildren();
        List<String> names = (children == null ? List.<String>of() : children).stream()
                .map(LockPaths::unescape)
                .filter(name -> name != null && glob.matcher(name).matches())
                .toList();
        return HeldLocks.among(names, this::inspect, limit);
    }

    @Override
    public Optional<LockInfo> forceRelease(String name) {
        return deleteHolders(name, observe(name));
    }

    @Override
    public Optional<LockInfo> forceRelease(String name, String holder) {
        OwnerTokens.checkHolder(holder);
        Holders holders = observe(name);
        if (!hasExclusiveHolder(holders)) {
            return Optional.empty();
        }
        String value = holderValue(holders);
        if (!OwnerTokens.isFencelock(value)) {
            throw new IllegalArgumentException("lock '" + name + "' is held by a client other than Fencelock, whose node"
                    + " (Curator writes its host's address) does not tell one of its holders from the next: release it"
                    + " without naming a holder");
        }
        // The node seen is that holder's alone: one that took the lock since has a node of its own.
        return OwnerTokens.isHolder(value, holder) ? deleteHolders(name, holders) : Optional.empty();
    }

    /** Deletes exactly the holders seen: a waiter behind them is left alone, and is woken by the deletion. */
    private Optional<LockInfo> deleteHolders(String name, Holders holders) {
        if (holders.nodes().isEmpty()) {
            return Optional.empty();
        }
        List<CompletableFuture<CuratorEvent>> deletions = holders.nodes().stream()
                .map(node -> store.calls().run("deleting " + node, callback -> store.client().delete()
                        .inBackground(callback).forPath(holders.lockPath() + "/" + node), KeeperException.Code.NONODE))
                .toList();
        boolean deleted = false;
        for (CompletableFuture<CuratorEvent> deletion : deletions) {
            deleted |= Calls.code(store.await(deletion)) == KeeperException.Code.OK;
        }
        return deleted ? Optional.of(summarize(name, holders)) : Optional.empty();
    }

    /** The admin's globs: {@code *} any run of characters, {@code ?} one, everything else itself. */
    static final class Glob {
        private Glob() {}

        static Pattern toPattern(String glob) {
            StringBuilder regex = new StringBuilder();
            for (int i = 0; i < glob.length(); i++) {
                char c = glob.charAt(i);
                switch (c) {
                    case '*' -> regex.append(".*");
                    case '?' -> regex.append('.');
                    default -> regex.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(regex.toString(), Pattern.DOTALL);
        }
    }
}
