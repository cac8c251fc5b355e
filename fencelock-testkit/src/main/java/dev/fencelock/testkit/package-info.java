/**
 * Real {@code redis-server} processes for tests: {@link dev.fencelock.testkit.RedisServer} to
 * start, kill, pause and restart one, {@link dev.fencelock.testkit.RedisCluster} for a cluster,
 * and {@link dev.fencelock.testkit.RedisTest} (the {@link dev.fencelock.testkit.RedisExtension})
 * to have JUnit 5 inject fresh servers into a test and stop them after it. Real ZooKeeper servers
 * beside them, each a JVM of its own: {@link dev.fencelock.testkit.ZooKeeperServer} standalone and
 * {@link dev.fencelock.testkit.ZooKeeperEnsemble} for 3, 5 or 7 members with a leader to find and
 * kill. The contract suites ({@link dev.fencelock.testkit.LockContract} and its kin) run on any
 * store and topology that a {@link dev.fencelock.testkit.StoreUnderTest} describes.
 */
package dev.fencelock.testkit;
