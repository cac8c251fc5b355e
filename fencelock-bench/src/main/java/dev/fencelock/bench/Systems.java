package dev.fencelock.bench;

import dev.fencelock.DistributedLock;
import dev.fencelock.DistributedSemaphore;
import dev.fencelock.Lease;
import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.zookeeper.ZooKeeperLocks;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.redisson.Redisson;
import org.redisson.RedissonMultiLock;
import org.redisson.RedissonRedLock;
import org.redisson.api.RLock;
import org.redisson.api.RPermitExpirableSemaphore;
import org.redisson.api.RedissonClient;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.redisson.config.ShardedSubscriptionMode;

/** The systems compared, each built on servers the harness started. */
final class Systems {
    private static final String COMPARE_AND_DELETE =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    /** Redisson's default lock watchdog timeout (Config.lockWatchdogTimeout); Fencelock's default lease is the same. */
    static final Duration REDISSON_DEFAULT_WATCHDOG = Duration.ofSeconds(30);

    private Systems() {}

    private static BenchSystem fencelock(LockClient client, BiFunction<LockClient, String, Lock> kind) {
        return fencelock("fencelock", client, kind);
    }

    private static BenchSystem fencelock(String name, LockClient client, BiFunction<LockClient, String, Lock> kind) {
        return new BenchSystem(name, lockName -> adapt(kind.apply(client, lockName)), client);
    }

    /** Fencelock's lock on ZooKeeper, with its default options: a session as long as the server grants. */
    static BenchSystem fencelockZooKeeper(String connectString) {
        return fencelock("fencelock-zookeeper", ZooKeeperLocks.connect(connectString), LockClient::lock);
    }

    static BenchSystem fencelock(String uri) {
        return fencelock(RedisLocks.connect(uri), LockClient::lock);
    }

    /** Fencelock's lease API: {@code acquire} and {@code close}, a new acquisition (and token) each time. */
    static BenchSystem fencelockLeases(String uri) {
        LockClient client = RedisLocks.connect(uri);
        return new BenchSystem("fencelock acquire+close", lockName -> {
            DistributedLock lock = client.lock(lockName);
            return new BenchLock() {
                private Lease lease;

                @Override
                public void lock() {
                    lease = lock.acquire(Duration.ofSeconds(30));
                }

                @Override
                public void unlock() {
                    lease.close();
                }
            };
        }, client);
    }

    /** Fencelock's fair lock: granted in the order acquisitions reached Redis. */
    static BenchSystem fencelockFair(String uri) {
        return fencelock(RedisLocks.connect(uri), LockClient::fairLock);
    }

    static ReadWriteSystem fencelockReadWrite(String uri) {
        LockClient client = RedisLocks.connect(uri);
        return new ReadWriteSystem("fencelock", client::readWriteLock, client);
    }

    /**
     * Fencelock's multi-lock over {@code names} names: the lock of a name {@code n} takes
     * {@code n:0} to {@code n:<names - 1>}, all or none, in one script.
     */
    static BenchSystem fencelockMulti(String uri, int names) {
        LockClient client = RedisLocks.connect(uri);
        return new BenchSystem("fencelock", lockName -> adapt(client.multiLock(multiNames(lockName, names))), client);
    }

    /** Redisson's {@code RedissonMultiLock} over the same names, each an {@code RLock} with the default watchdog. */
    static BenchSystem redissonMulti(String uri, int names) {
        RedissonClient client = redissonClient(uri, REDISSON_DEFAULT_WATCHDOG);
        return new BenchSystem("redisson", lockName -> adapt(new RedissonMultiLock(Arrays.stream(multiNames(lockName, names))
                .map(client::getLock).toArray(RLock[]::new))), client::shutdown);
    }

    private static String[] multiNames(String lockName, int names) {
        return IntStream.range(0, names).mapToObj(i -> lockName + ":" + i).toArray(String[]::new);
    }

    /** Fencelock's Redlock over independent masters; named "fencelock", as its scenario says it is Redlock. */
    static BenchSystem fencelockRedlock(List<String> uris) {
        return fencelock(RedisLocks.redlock(uris.toArray(String[]::new)), LockClient::lock);
    }

    /** Fencelock's semaphore of {@code permits}: each permit a lease, renewed by the watchdog. */
    static BenchSystem fencelockSemaphore(String uri, int permits) {
        LockClient client = RedisLocks.connect(uri);
        return new BenchSystem("fencelock", name -> {
            DistributedSemaphore semaphore = client.semaphore(name, permits);
            return new BenchLock() {
                private Lease lease;

                @Override
                public void lock() {
                    lease = semaphore.acquire(Duration.ofHours(1));
                }

                @Override
                public void unlock() {
                    lease.close();
                }
            };
        }, client);
    }

    /**
     * Redisson's {@code getPermitExpirableSemaphore} of {@code permits}, each permit taken with a lease
     * of Redisson's default watchdog timeout: Redisson does not renew permits, so this is the closest
     * to a permit that a crashed holder frees.
     */
    static BenchSystem redissonSemaphore(String uri, int permits) {
        RedissonClient client = redissonClient(uri, REDISSON_DEFAULT_WATCHDOG);
        return new BenchSystem("redisson", name -> {
            RPermitExpirableSemaphore semaphore = client.getPermitExpirableSemaphore(name);
            semaphore.trySetPermits(permits);
            return new BenchLock() {
                private String permit;

                @Override
                public void lock() throws InterruptedException {
                    permit = semaphore.acquire(REDISSON_DEFAULT_WATCHDOG.toMillis(), TimeUnit.MILLISECONDS);
                }

                @Override
                public void unlock() {
                    semaphore.release(permit);
                }
            };
        }, client::shutdown);
    }

    static RedissonClient redissonClient(String uri, Duration watchdog) {
        Config config = new Config();
        config.setLockWatchdogTimeout(watchdog.toMillis());
        config.useSingleServer().setAddress(uri);
        return Redisson.create(config);
    }

    private static BenchSystem redisson(String uri, BiFunction<RedissonClient, String, Lock> kind) {
        RedissonClient client = redissonClient(uri, REDISSON_DEFAULT_WATCHDOG);
        return new BenchSystem("redisson", lockName -> adapt(kind.apply(client, lockName)), client::shutdown);
    }

    /** Redisson's RLock as users run it: the watchdog with its default timeout. */
    static BenchSystem redisson(String uri) {
        return redisson(uri, RedissonClient::getLock);
    }

    /** Redisson's fair lock ({@code getFairLock}), with the watchdog as above. */
    static BenchSystem redissonFair(String uri) {
        return redisson(uri, RedissonClient::getFairLock);
    }

    static ReadWriteSystem redissonReadWrite(String uri) {
        RedissonClient client = redissonClient(uri, REDISSON_DEFAULT_WATCHDOG);
        return new ReadWriteSystem("redisson", client::getReadWriteLock, client::shutdown);
    }

    static BenchSystem redissonRedlock(List<String> uris) {
        List<RedissonClient> clients = uris.stream().map(uri -> redissonClient(uri, REDISSON_DEFAULT_WATCHDOG)).toList();
        return new BenchSystem("redisson-redlock", lockName -> {
            @SuppressWarnings("deprecation")
            RedissonRedLock lock = new RedissonRedLock(clients.stream().map(c -> c.getLock(lockName)).toArray(RLock[]::new));
            return adapt(lock);
        }, () -> clients.forEach(RedissonClient::shutdown));
    }

    /**
     * A system of scenario 13 on the cluster of {@code seeds}: Fencelock, Redisson's RLock with its
     * default pub/sub (sharded on Redis 7.0+), or with classic pub/sub ({@link ClusterBus#REDISSON_CLASSIC}).
     */
    static BenchSystem cluster(String name, List<String> seeds) {
        if (name.equals("fencelock")) {
            return fencelock(RedisLocks.cluster(seeds.toArray(String[]::new)), LockClient::lock);
        }
        Config config = new Config();
        config.setLockWatchdogTimeout(REDISSON_DEFAULT_WATCHDOG.toMillis());
        ClusterServersConfig cluster = config.useClusterServers().setReadMode(ReadMode.MASTER);
        seeds.forEach(cluster::addNodeAddress);
        switch (name) {
            case "redisson" -> { }
            case ClusterBus.REDISSON_CLASSIC -> cluster.setShardedSubscriptionMode(ShardedSubscriptionMode.OFF);
            default -> throw new IllegalArgumentException("no cluster system named " + name);
        }
        RedissonClient client = Redisson.create(config);
        // Without the default quiet period of 2 s: the scenario opens and closes a dozen clients.
        return new BenchSystem(name, lockName -> adapt(client.getLock(lockName)), () -> client.shutdown(0, 2, TimeUnit.SECONDS));
    }

    /**
     * {@code clients} clients of one system, named as it: each lock taken from it comes from the
     * next client in turn, so that the threads of a loop are as many processes.
     */
    static BenchSystem spread(String name, int clients, Supplier<BenchSystem> open) {
        List<BenchSystem> opened = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            opened.add(open.get());
        }
        AtomicInteger next = new AtomicInteger();
        return new BenchSystem(name, lockName -> opened.get(next.getAndIncrement() % clients).lock(lockName),
                () -> opened.forEach(BenchSystem::close));
    }

    static BenchLock adapt(Lock lock) {
        return new BenchLock() {
            @Override
            public void lock() {
                lock.lock();
            }

            @Override
            public void unlock() {
                lock.unlock();
            }
        };
    }

    static BenchSystem curator(String connectString) {
        CuratorFramework client = CuratorFrameworkFactory.newClient(connectString, new ExponentialBackoffRetry(100, 3));
        client.start();
        return new BenchSystem("curator", lockName -> {
            InterProcessMutex mutex = new InterProcessMutex(client, "/locks/" + lockName);
            return new BenchLock() {
                @Override
                public void lock() throws Exception {
                    mutex.acquire();
                }

                @Override
                public void unlock() throws Exception {
                    mutex.release();
                }
            };
        }, client::close);
    }

    /** The floor: one PING round trip per operation, from Lettuce. */
    static BenchSystem ping(String uri) {
        RedisClient client = RedisClient.create(uri);
        StatefulRedisConnection<String, String> connection = client.connect();
        RedisCommands<String, String> redis = connection.sync();
        return new BenchSystem("ping", lockName -> new BenchLock() {
            @Override
            public void lock() {
                redis.ping();
            }

            @Override
            public void unlock() {}
        }, () -> {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        });
    }

    /** The other floor: the bare SET NX PX and compare-and-delete pair, from Lettuce, spinning when held. */
    static BenchSystem lettuceSetNx(String uri) {
        RedisClient client = RedisClient.create(uri);
        StatefulRedisConnection<String, String> connection = client.connect();
        RedisCommands<String, String> redis = connection.sync();
        return new BenchSystem("lettuce-setnx", lockName -> {
            String token = UUID.randomUUID().toString();
            return new BenchLock() {
                @Override
                public void lock() throws InterruptedException {
                    while (redis.set(lockName, token, SetArgs.Builder.nx().px(30_000)) == null) {
                        TimeUnit.MICROSECONDS.sleep(200);
                    }
                }

                @Override
                public void unlock() {
                    redis.eval(COMPARE_AND_DELETE, ScriptOutputType.INTEGER, new String[] {lockName}, token);
                }
            };
        }, () -> {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        });
    }
}
