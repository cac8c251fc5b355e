/**
 * Real {@code redis-server} processes for tests: {@link dev.fencelock.testkit.RedisServer} to
 * start, kill, pause and restart one, {@link dev.fencelock.testkit.RedisCluster} for a cluster,
 * and {@link dev.fencelock.testkit.RedisTest} (the {@link dev.fencelock.testkit.RedisExtension})
 * to have JUnit 5 inject fresh servers into a test and stop them after it.
 */
package dev.fencelock.testkit;
