package dev.fencelock.bench;

import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.zookeeper.ZooKeeperLocks;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.BiFunction;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.redisson.Redisson;
import org.redisson.RedissonRedLock;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

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

    /** Fencelock's fair lock: granted in the order acquisitions reached Redis. */
    static BenchSystem fencelockFair(String uri) {
        return fencelock(RedisLocks.connect(uri), LockClient::fairLock);
    }

    static ReadWriteSystem fencelockReadWrite(String uri) {
        LockClient client = RedisLocks.connect(uri);
        return new ReadWriteSystem("fencelock", client::readWriteLock, client);
    }

    /** Fencelock's Redlock over independent masters; named "fencelock", as its scenario says it is Redlock. */
    static BenchSystem fencelockRedlock(List<String> uris) {
        return fencelock(RedisLocks.redlock(uris.toArray(String[]::new)), LockClient::lock);
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
