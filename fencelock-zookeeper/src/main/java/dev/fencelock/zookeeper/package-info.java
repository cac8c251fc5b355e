/**
 * Fencelock on ZooKeeper: {@link dev.fencelock.zookeeper.ZooKeeperLocks} connects a
 * {@link dev.fencelock.LockClient} to an ensemble, on Apache Curator's framework. Options are
 * {@link dev.fencelock.zookeeper.ZooKeeperLockOptions}. The store itself (the node recipe, the
 * session as lease, the watches) is package-private, behind {@link dev.fencelock.spi.LockStore}.
 *
 * <p>Arguments are never null unless a method says so; a null fails with a
 * {@link java.lang.NullPointerException} naming the argument.
 */
package dev.fencelock.zookeeper;
