/**
 * The way to add a backend: implement {@link dev.fencelock.spi.LockStore} — acquire with an owner
 * token and a lease (granted with a fencing token, or refused with time left), renew a batch,
 * release, watch for releases, inspect — and hand it to {@link dev.fencelock.spi.LockEngine#start},
 * which gives the {@link dev.fencelock.LockClient} your users call.
 *
 * <pre>
 *   LockClient, DistributedLock, Lease          (dev.fencelock: the API)
 *        │
 *   LockEngine: local FIFO gate, Lock-view reentrancy, lease state and lost signal,
 *        │      watchdog schedule, bounded waits, acquisition timing
 *        │
 *   LockStore  ── RedisStore (fencelock-redis: single, Sentinel, Cluster, Redlock)
 *              └─ your store
 * </pre>
 *
 * <p>The engine's own classes are package-private; the store speaks in values and never sees them.
 * {@link dev.fencelock.spi.Checks} and {@link dev.fencelock.spi.Await} are there for stores to
 * validate their options and wait for their own calls as the engine does, and
 * {@link dev.fencelock.spi.OwnerTokens} to tell a Fencelock holder, whose release is announced,
 * from a foreign one, which the engine polls.
 */
package dev.fencelock.spi;
