package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.testkit.RedisCluster;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisServers;
import dev.fencelock.testkit.RedisTest;
import dev.fencelock.testkit.Servers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An ACL user given exactly what the README's Configuration section says locks need: every lock
 * kind works, a waiter is woken through its channel, Redlock works with the one more grant its
 * restart check reads and a Cluster with the one its topology reads. Without a grant the README
 * names, connecting fails and says which command was refused.
 */
@RedisTest
class AclIT {
    /** The README's rule, as ACL SETUSER arguments. */
    private static final List<String> LOCKING = List.of("on", ">s3cret", "~fencelock:*", "&fencelock:*",
            "+@scripting", "+@pubsub", "+@read", "+@write", "+info", "+time");
    private static final String REDLOCK_MORE = "+config|get";
    private static final String CLUSTER_MORE = "+cluster|nodes";

    @Test
    void aUserWithTheDocumentedGrantsTakesEveryKindOfLockAndIsWokenByARelease(RedisServer redis) throws Exception {
        createUser(redis, LOCKING);
        takeEveryKindOfLock(RedisLockOptions.builder(userUri(redis)).build());
    }

    @Test
    void aRedlockUserWithTheDocumentedGrantsTakesALock(@Servers(3) RedisServers masters) {
        List<String> uris = masters.all().stream().map(master -> {
            createUser(master, LOCKING);
            master.call("ACL", "SETUSER", "locker", REDLOCK_MORE);
            return userUri(master);
        }).toList();
        try (LockClient locks = RedisLocks.connect(RedisLockOptions.redlock(uris).build());
                Lease lease = locks.lock("acl-redlock").acquire(Duration.ZERO)) {
            assertThat(lease.isValid()).isTrue();
        }
    }

    @Test
    void aClusterUserWithTheDocumentedGrantsTakesEveryKindOfLock() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(3)) {
            List<String> seeds = cluster.masters().stream().map(master -> {
                createUser(master, Stream.concat(LOCKING.stream(), Stream.of(CLUSTER_MORE)).toList());
                return userUri(master);
            }).toList();
            takeEveryKindOfLock(RedisLockOptions.cluster(seeds).build());
        }
    }

    @Test
    void withoutClusterNodesAClusterClientCannotConnectAndIsToldWhy() {
        try (RedisCluster cluster = RedisCluster.start(3)) {
            List<String> seeds = cluster.masters().stream().map(master -> {
                createUser(master, LOCKING);
                return userUri(master);
            }).toList();
            assertThatThrownBy(() -> RedisLocks.connect(RedisLockOptions.cluster(seeds).build()))
                    .isInstanceOf(LockUnavailableException.class)
                    .hasMessageContaining("NOPERM")
                    .hasMessageContaining("cluster|nodes");
        }
    }

    @Test
    void withoutInfoConnectingFailsNamingTheRefusedCommand(RedisServer redis) {
        createUser(redis, LOCKING.stream().filter(grant -> !grant.equals("+info")).toList());
        assertThatThrownBy(() -> RedisLocks.connect(userUri(redis)))
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("NOPERM")
                .hasMessageContaining("info");
    }

    /** Takes each kind of lock once, and a plain lock again after waiting for its release. */
    private static void takeEveryKindOfLock(RedisLockOptions options) throws Exception {
        try (LockClient holder = RedisLocks.connect(options); LockClient waiter = RedisLocks.connect(options)) {
            Lease held = holder.lock("acl").acquire(Duration.ZERO);
            CompletableFuture<Lease> waiting = waiter.lock("acl").acquireAsync(Duration.ofSeconds(20));
            held.close();
            waiting.get(20, TimeUnit.SECONDS).close();

            holder.fairLock("acl-fair").acquire(Duration.ZERO).close();
            holder.readWriteLock("acl-rw").readLock().acquire(Duration.ZERO).close();
            DistributedSemaphore permits = holder.semaphore("acl-permits", 2);
            permits.acquire(Duration.ZERO).close();
            assertThat(permits.availablePermits()).isEqualTo(2);
            holder.multiLock("acl-a", "acl-b").acquire(Duration.ZERO).close();
        }
    }

    private static void createUser(RedisServer redis, List<String> grants) {
        try {
            redis.call("ACL", "SETUSER", "channel-probe", "&probe");
            redis.call("ACL", "DELUSER", "channel-probe");
        } catch (RedisServer.ReplyException tooOld) {
            assumeTrue(false, "ACL channel patterns (&) need Redis 6.2 or later: " + tooOld.getMessage());
        }
        List<String> command = new ArrayList<>(List.of("ACL", "SETUSER", "locker"));
        command.addAll(grants);
        redis.call(command.toArray(String[]::new));
    }

    private static String userUri(RedisServer redis) {
        return "redis://locker:s3cret@" + redis.host() + ":" + redis.port();
    }
}
