package dev.fencelock.zookeeper;

import dev.fencelock.spi.LockEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * A real ZooKeeper server in this JVM (curator-test's {@link TestingServer}) with a short tick, so
 * that sessions of a second or two are allowed, and a plain Curator client on it to look at and
 * break the nodes from outside, as an operator or another application would.
 */
final class TestZooKeeper implements AutoCloseable {
    /** The ensemble's clock: sessions from two ticks (200 ms) may be negotiated. */
    static final int TICK_MILLIS = 100;
    /** The longest session it grants, whatever a client asks: as a production ensemble may (twenty ticks by default). */
    static final int MAX_SESSION_MILLIS = 4_000;

    private final TestingServer server;
    private final CuratorFramework curator;

    private TestZooKeeper(TestingServer server) {
        this.server = server;
        this.curator = CuratorFrameworkFactory.newClient(server.getConnectString(), 30_000, 5_000, new RetryOneTime(100));
        curator.start();
    }

    static TestZooKeeper start(int maxSessionMillis) {
        // The server in this JVM need not fsync its log: the tests never crash the machine, and
        // on a loaded machine an fsync can outlast a call timeout.
        System.setProperty("zookeeper.forceSync", "no");
        try {
            InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MILLIS, -1,
                    Map.of("maxSessionTimeout", String.valueOf(maxSessionMillis)));
            return new TestZooKeeper(new TestingServer(spec, true));
        } catch (Exception e) {
            throw new IllegalStateException("starting a ZooKeeper server failed", e);
        }
    }

    String connectString() {
        return server.getConnectString();
    }

    TestingServer server() {
        return server;
    }

    /** A Curator client of its own, for recipes and for breaking things. */
    CuratorFramework curator() {
        return curator;
    }

    /**
     * Options for a client on a root path of its own. It asks for more session than the server
     * grants (4 s), as clients of a production ensemble may; a call may take as long as by
     * default, since a loaded machine stalls the server in this JVM.
     */
    ZooKeeperLockOptions.Builder options(String root) {
        return ZooKeeperLockOptions.builder(connectString()).rootPath(root);
    }

    /** Deletes every node under the lock {@code name}: the holder's and the waiters'. */
    void deleteLock(String root, String name) {
        String lockPath = LockPaths.lockPath(root, name);
        try {
            for (String child : curator.getChildren().forPath(lockPath)) {
                curator.delete().forPath(lockPath + "/" + child);
            }
        } catch (KeeperException.NoNodeException gone) {
            // Nothing to delete.
        } catch (Exception e) {
            throw new IllegalStateException("deleting lock " + name + " failed", e);
        }
    }

    /** The locks under {@code root} that still have nodes (empty parents are containers the server removes). */
    List<String> locksLeft(String root) {
        List<String> left = new ArrayList<>();
        try {
            for (String lock : curator.getChildren().forPath(root)) {
                List<String> nodes = curator.getChildren().forPath(root + "/" + lock);
                if (!nodes.isEmpty()) {
                    left.add(LockPaths.unescape(lock) + " " + nodes);
                }
            }
        } catch (KeeperException.NoNodeException none) {
            return List.of();
        } catch (Exception e) {
            throw new IllegalStateException("listing the locks under " + root + " failed", e);
        }
        return left;
    }

    /**
     * What the server last answered on the connection of {@code client} ({@code GETC} for a read of
     * the children, {@code GETD} for a read of a node's data, {@code PING}), from the server's JMX
     * bean for that connection; {@link NoSuchElementException} while the server has no connection
     * of the client's session (after a restart, until the client is back).
     */
    String lastOperation(LockEngine client) {
        Set<ObjectName> found;
        long session;
        try {
            session = ((ZooKeeperStore) client.store()).client().getZookeeperClient().getZooKeeper().getSessionId();
            MBeanServer beans = ManagementFactory.getPlatformMBeanServer();
            found = beans.queryNames(new ObjectName("org.apache.ZooKeeperService:name0=StandaloneServer_port"
                    + server.getPort() + ",name1=Connections,*"), null);
            for (ObjectName connection : found) {
                if (("0x" + Long.toHexString(session)).equals(beans.getAttribute(connection, "SessionId"))) {
                    return (String) beans.getAttribute(connection, "LastOperation");
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("reading the server's bean of a connection failed", e);
        }
        throw new NoSuchElementException("no connection of session 0x" + Long.toHexString(session) + " among " + found);
    }

    /** How many nodes the lock {@code name} has: its holders' and its waiters'. */
    int nodes(String root, String name) {
        try {
            return curator.getChildren().forPath(LockPaths.lockPath(root, name)).size();
        } catch (Exception e) {
            throw new IllegalStateException("listing the nodes of lock " + name + " failed", e);
        }
    }

    /** Deletes the node at {@code index} of the queue of the lock {@code name}, as an operator would. */
    void deleteNode(String root, String name, int index) {
        String lockPath = LockPaths.lockPath(root, name);
        try {
            String node = LockNodes.ordered(curator.getChildren().forPath(lockPath)).get(index);
            curator.delete().forPath(lockPath + "/" + node);
        } catch (Exception e) {
            throw new IllegalStateException("deleting node " + index + " of lock " + name + " failed", e);
        }
    }

    static int watchesLeft(LockEngine client) {
        return ((ZooKeeperStore) client.store()).openWatches();
    }

    /**
     * How many watchers the ZooKeeper client of {@code client} holds for data watches, all nodes
     * together: each stays there until its node changes or it is removed. Read from the client's
     * registry by reflection, since ZooKeeper shows only the paths, one per node however many
     * watchers it has.
     */
    static int dataWatchers(LockEngine client) {
        try {
            ZooKeeper zooKeeper = ((ZooKeeperStore) client.store()).client().getZookeeperClient().getZooKeeper();
            Method registry = ZooKeeper.class.getDeclaredMethod("getWatchManager");
            registry.setAccessible(true);
            Object watchManager = registry.invoke(zooKeeper);
            Method dataWatches = watchManager.getClass().getDeclaredMethod("getDataWatches");
            dataWatches.setAccessible(true);
            @SuppressWarnings("unchecked")
            Map<String, Set<Watcher>> byPath = (Map<String, Set<Watcher>>) dataWatches.invoke(watchManager);
            // The registry's own lock: the client changes the map under it.
            synchronized (byPath) {
                return byPath.values().stream().mapToInt(Set::size).sum();
            }
        } catch (Exception e) {
            throw new IllegalStateException("reading the watches of a ZooKeeper client failed", e);
        }
    }

    /** How many nodes of {@code client} wait in a queue, refused and recorded by its store until their next attempt. */
    static int waitingNodes(LockEngine client) {
        return ((ZooKeeperStore) client.store()).waitingNodes();
    }

    /**
     * Expires the session of {@code client} as its ZooKeeper client sees it when the ensemble expired
     * a holder cut off for longer than its timeout: Curator's KillSession injects the expiry into the
     * client, which drops the connection and reports the session lost at once. The server learns
     * nothing: it deletes the session's ephemeral nodes when the session times out there (at most
     * {@link #MAX_SESSION_MILLIS} later).
     */
    void expireSession(LockEngine client) throws Exception {
        CuratorFramework curator = ((ZooKeeperStore) client.store()).client();
        KillSession.kill(curator.getZookeeperClient().getZooKeeper(), connectString());
    }

    void restart() {
        try {
            server.restart();
        } catch (Exception e) {
            throw new IllegalStateException("restarting ZooKeeper failed", e);
        }
    }

    void stop() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        curator.close();
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
