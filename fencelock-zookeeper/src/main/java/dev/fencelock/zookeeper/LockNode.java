package dev.fencelock.zookeeper;

import org.apache.zookeeper.data.Stat;

/**
 * One participant node of this client: where it is, the zxid that created it (the fencing token of
 * the acquisition it is granted to) and the session it lives in (it is gone when that session is).
 *
 * @param lockPath the lock's path, the node's parent
 * @param node the node's name under it
 * @param czxid the zxid of the transaction that created the node
 * @param session the id of the session that owns the ephemeral node
 */
record LockNode(String lockPath, String node, long czxid, long session) {

    static LockNode of(String path, Stat stat) {
        int slash = path.lastIndexOf('/');
        return new LockNode(path.substring(0, slash), path.substring(slash + 1), stat.getCzxid(), stat.getEphemeralOwner());
    }

    String path() {
        return lockPath + "/" + node;
    }
}
