package dev.fencelock.spring;

import dev.fencelock.redis.RedisLockOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code fencelock.*} properties: what the auto-configured {@code LockClient}'s locks default
 * to and, for Redlock, which masters it uses. Where to connect otherwise comes from Spring Boot's
 * own {@code spring.data.redis.*}. Bound once at startup; not thread-safe while it is bound.
 */
@ConfigurationProperties("fencelock")
public class FencelockProperties {
    /** Prefix of every key the client writes (default "fencelock:"); no '{' or '}', which delimit a lock's hash tag. */
    private String namespace = RedisLockOptions.DEFAULT_NAMESPACE;

    /** Lease of an acquisition that does not choose one, renewed by the watchdog; 30 ms to 24 h, default 30 s. */
    private Duration defaultLease = RedisLockOptions.DEFAULT_LEASE;

    /**
     * Timeout of each Redis command, 10 ms to 5 min, shorter than a third of the default lease.
     * Unset: spring.data.redis.timeout, else 2 s.
     */
    private Duration commandTimeout;

    /** Timeout of connecting, 10 ms to 5 min. Unset: spring.data.redis.connect-timeout, else 5 s. */
    private Duration connectTimeout;

    /** How long a lock's fence counter outlives its last acquisition; 1 h to 365 days, default 25 h. */
    private Duration fenceCounterTtl = RedisLockOptions.DEFAULT_FENCE_COUNTER_TTL;

    /**
     * On a Cluster or under Redlock, how long an acquisition that waits keeps trying while too
     * little of Redis answers, before it fails as unavailable whatever is left of its wait;
     * 0 to 1 day. Keep it longer than a failover takes. Unset: 30 s, and under Redlock at least
     * the restart quarantine plus a command timeout.
     */
    private Duration outageAllowance;

    private final Redlock redlock = new Redlock();

    /** Created and bound by Spring Boot. */
    public FencelockProperties() {}

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public Duration getDefaultLease() {
        return defaultLease;
    }

    public void setDefaultLease(Duration defaultLease) {
        this.defaultLease = defaultLease;
    }

    public Duration getCommandTimeout() {
        return commandTimeout;
    }

    public void setCommandTimeout(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getOutageAllowance() {
        return outageAllowance;
    }

    public void setOutageAllowance(Duration outageAllowance) {
        this.outageAllowance = outageAllowance;
    }

    public Duration getFenceCounterTtl() {
        return fenceCounterTtl;
    }

    public void setFenceCounterTtl(Duration fenceCounterTtl) {
        this.fenceCounterTtl = fenceCounterTtl;
    }

    public Redlock getRedlock() {
        return redlock;
    }

    /** {@code fencelock.redlock.*}: Redlock over independent masters instead of spring.data.redis. */
    public static class Redlock {
        /**
         * URIs of at least 3 independent Redis masters (redis://user:password@host:port): when set,
         * locks are taken by Redlock over them and spring.data.redis is not used for locks.
         */
        private List<String> uris = new ArrayList<>();

        /** How long each master may take to answer one call; 1 ms to the command timeout, default 50 ms. */
        private Duration nodeTimeout = RedisLockOptions.DEFAULT_REDLOCK_NODE_TIMEOUT;

        /**
         * How long a master seen to restart without keeping every write grants nothing; 0 to 1
         * day, 0 turns the check off; default the default lease plus 20 ms. Set it to the longest
         * lease any client of the masters takes, plus 20 ms.
         */
        private Duration restartQuarantine;

        /** Created and bound by Spring Boot. */
        public Redlock() {}

        public List<String> getUris() {
            return uris;
        }

        public void setUris(List<String> uris) {
            this.uris = uris;
        }

        public Duration getNodeTimeout() {
            return nodeTimeout;
        }

        public void setNodeTimeout(Duration nodeTimeout) {
            this.nodeTimeout = nodeTimeout;
        }

        public Duration getRestartQuarantine() {
            return restartQuarantine;
        }

        public void setRestartQuarantine(Duration restartQuarantine) {
            this.restartQuarantine = restartQuarantine;
        }
    }
}
