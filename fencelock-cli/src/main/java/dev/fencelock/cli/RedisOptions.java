package dev.fencelock.cli;

import dev.fencelock.LockClient;
import dev.fencelock.redis.RedisLockOptions;
import dev.fencelock.redis.RedisLocks;
import dev.fencelock.zookeeper.ZooKeeperLockOptions;
import dev.fencelock.zookeeper.ZooKeeperLocks;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where the locks live: the options every subcommand that talks to the store shares. Redis unless
 * {@code --zookeeper} names an ensemble.
 */
final class RedisOptions {
    static final String DEFAULT_URI = "redis://127.0.0.1:6379";
    private static final Duration MAX_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /**
     * The shortest lease {@link #connect(Duration)} accepts: a quarter of it is the command timeout,
     * and Redis and ZooKeeper clients both refuse one under 10 ms.
     */
    static final Duration MIN_LEASE = Duration.ofMillis(40);

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--redis", paramLabel = "URI",
            description = "Redis URI (default: $REDIS_URL, else " + DEFAULT_URI + "). Give it three or more times for Redlock.")
    List<String> uris;

    @Option(names = "--namespace", paramLabel = "PREFIX", defaultValue = RedisLockOptions.DEFAULT_NAMESPACE,
            description = "prefix of the lock keys (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--zookeeper", paramLabel = "HOST:PORT[,...]",
            description = "keep the locks in this ZooKeeper ensemble instead of Redis")
    String zookeeper;

    @Option(names = "--zookeeper-root", paramLabel = "PATH", defaultValue = ZooKeeperLockOptions.DEFAULT_ROOT_PATH,
            description = "with --zookeeper: the parent node of the locks (default: ${DEFAULT-VALUE})")
    String zookeeperRoot;

    @Option(names = "--outage-allowance", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "with Redlock or --zookeeper: how long a wait outlasts a store that does not answer"
                    + " (default: 30 s, and with Redlock at least the lease and a command timeout)")
    Duration outageAllowance;

    /** The URIs given, else the one from the environment, else the default. */
    List<String> uris() {
        if (uris != null) {
            return uris;
        }
        String fromEnvironment = System.getenv("REDIS_URL");
        return List.of(fromEnvironment == null || fromEnvironment.isBlank() ? DEFAULT_URI : fromEnvironment);
    }

    /**
     * Connects, to one server or with Redlock over several, with the given default lease and a
     * command timeout that fits a quarter of it.
     */
    LockClient connect(Duration lease) {
        Duration quarter = lease.dividedBy(4);
        Duration commandTimeout = quarter.compareTo(MAX_COMMAND_TIMEOUT) < 0 ? quarter : MAX_COMMAND_TIMEOUT;
        if (zookeeper != null) {
            return connectZooKeeper(lease, commandTimeout);
        }
        RedisLockOptions options;
        try {
            List<String> given = uris();
            RedisLockOptions.Builder builder = given.size() == 1
                    ? RedisLockOptions.builder(given.get(0))
                    : RedisLockOptions.redlock(given);
            if (given.size() > 1) {
                Duration nodeTimeout = RedisLockOptions.DEFAULT_REDLOCK_NODE_TIMEOUT;
                builder.redlockNodeTimeout(nodeTimeout.compareTo(commandTimeout) < 0 ? nodeTimeout : commandTimeout);
            }
            if (outageAllowance != null) {
                if (given.size() == 1) {
                    throw new IllegalArgumentException("--outage-allowance applies to Redlock (--redis three or more times)"
                            + " and --zookeeper; a lone Redis server fails an acquisition within the command timeout");
                }
                builder.outageAllowance(outageAllowance);
            }
            options = builder.namespace(namespace).defaultLease(lease).commandTimeout(commandTimeout).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return RedisLocks.connect(options);
    }

    private LockClient connectZooKeeper(Duration lease, Duration callTimeout) {
        if (uris != null) {
            throw new ParameterException(spec.commandLine(), "--redis and --zookeeper name two stores; give one");
        }
        ZooKeeperLockOptions options;
        try {
            ZooKeeperLockOptions.Builder builder = ZooKeeperLockOptions.builder(zookeeper).rootPath(zookeeperRoot)
                    .defaultLease(lease).callTimeout(callTimeout);
            if (outageAllowance != null) {
                builder.outageAllowance(outageAllowance);
            }
            options = builder.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return ZooKeeperLocks.connect(options);
    }

    LockClient connect() {
        return connect(RedisLockOptions.DEFAULT_LEASE);
    }
}
