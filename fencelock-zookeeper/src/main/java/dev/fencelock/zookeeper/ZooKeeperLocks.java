package dev.fencelock.zookeeper;

import dev.fencelock.DistributedLock;
import dev.fencelock.LockClient;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.LockEngine;
import java.util.Objects;

/**
 * The entry point: connects {@link LockClient}s to a ZooKeeper ensemble. The locks it hands out
 * are the same {@link DistributedLock}s as on Redis; each is an ephemeral sequential node, its
 * fencing token the zxid that created the node, its lease the client's session.
 *
 * <pre>{@code
 * try (LockClient locks = ZooKeeperLocks.connect("zk1:2181,zk2:2181,zk3:2181")) {
 *     DistributedLock lock = locks.lock("orders:42");
 *     try (Lease lease = lock.acquire(Duration.ofSeconds(5))) {
 *         lease.checkValid();
 *         orders.update(42, change, lease.fencingToken());
 *     }
 * }
 * }</pre>
 */
public final class ZooKeeperLocks {
    private ZooKeeperLocks() {}

    /**
     * Connects a lock client with default options to the ensemble at {@code connectString}.
     *
     * @param connectString {@code host:port[,host:port...][/chroot]}
     * @throws IllegalArgumentException if {@code connectString} is not of that form
     * @throws LockUnavailableException if no server answers within the connection timeout
     */
    public static LockClient connect(String connectString) {
        return connect(ZooKeeperLockOptions.builder(connectString).build());
    }

    /**
     * Connects a lock client with the given options.
     *
     * @throws LockUnavailableException if no server answers within the connection timeout
     */
    public static LockClient connect(ZooKeeperLockOptions options) {
        ZooKeeperStore store = new ZooKeeperStore(Objects.requireNonNull(options, "options"));
        try {
            return LockEngine.start(store, options.defaultLease());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }
}
