package dev.fencelock.redis;

import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Checks;
import dev.fencelock.spi.LockStore;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * How a {@link LockClient} connects and what its locks default to. Immutable; built with
 * {@link #builder(String)}, which checks each value where it is given and the rules between
 * values in {@link Builder#build()}.
 *
 * <pre>{@code
 * RedisLockOptions options = RedisLockOptions.builder("redis://app:secret@redis.internal:6379")
 *         .namespace("billing:locks:")
 *         .defaultLease(Duration.ofSeconds(20))
 *         .commandTimeout(Duration.ofSeconds(1))
 *         .build();
 * }</pre>
 */
public final class RedisLockOptions {
    /** Prefix of every key the client writes, unless changed. */
    public static final String DEFAULT_NAMESPACE = "fencelock:";
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_FENCE_COUNTER_TTL = Duration.ofHours(25);
    /** See {@link Builder#outageAllowance(Duration)}. */
    public static final Duration DEFAULT_OUTAGE_ALLOWANCE = LockStore.DEFAULT_OUTAGE_ALLOWANCE;

    static final int MAX_NAMESPACE_LENGTH = 256;
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    /** The per-server wait of a Redlock call, unless changed. */
    public static final Duration DEFAULT_REDLOCK_NODE_TIMEOUT = Duration.ofMillis(50);
    public static final double DEFAULT_CLOCK_DRIFT_FACTOR = 0.01;
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(50);
    public static final Duration DEFAULT_RETRY_JITTER = Duration.ofMillis(100);

    private final List<RedisURI> uris;
    private final boolean cluster;
    private final String namespace;
    private final Duration defaultLease;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Duration fenceCounterTtl;
    private final Duration outageAllowance;
    private final Duration redlockNodeTimeout;
    private final double clockDriftFactor;
    private final Duration retryDelay;
    private final Duration retryJitter;
    private final Duration redlockRestartQuarantine;

    private RedisLockOptions(Builder builder) {
        this.uris = builder.uris;
        this.cluster = builder.cluster;
        this.redlockNodeTimeout = builder.redlockNodeTimeout;
        this.clockDriftFactor = builder.clockDriftFactor;
        this.retryDelay = builder.retryDelay;
        this.retryJitter = builder.retryJitter;
        this.namespace = builder.namespace;
        this.defaultLease = builder.defaultLease;
        this.commandTimeout = builder.commandTimeout;
        this.connectTimeout = builder.connectTimeout;
        this.fenceCounterTtl = builder.fenceCounterTtl;
        this.redlockRestartQuarantine = builder.redlockRestartQuarantine != null ? builder.redlockRestartQuarantine
                : defaultLease.plus(LockServers.REDLOCK_TOKEN_CLOCK_STEP);
        this.outageAllowance = builder.outageAllowance != null ? builder.outageAllowance : defaultOutageAllowance();
    }

    /** See {@link Builder#outageAllowance(Duration)}: under Redlock, long enough to outlast a restart quarantine. */
    private Duration defaultOutageAllowance() {
        if (!isRedlock()) {
            return DEFAULT_OUTAGE_ALLOWANCE;
        }
        Duration outlastingQuarantine = redlockRestartQuarantine.plus(commandTimeout);
        if (outlastingQuarantine.compareTo(LockStore.MAX_OUTAGE_ALLOWANCE) > 0) {
            return LockStore.MAX_OUTAGE_ALLOWANCE;
        }
        return outlastingQuarantine.compareTo(DEFAULT_OUTAGE_ALLOWANCE) > 0 ? outlastingQuarantine : DEFAULT_OUTAGE_ALLOWANCE;
    }

    /**
     * Starts options for the Redis at {@code uri}, in Lettuce's form: {@code redis://host:port},
     * {@code redis://user:password@host:port/db}, {@code rediss://…} for TLS, or
     * {@code redis-sentinel://host:26379,host2:26379/0#mymaster} for the master that Sentinel
     * names (followed across failovers).
     *
     * @throws IllegalArgumentException if {@code uri} is not such a URI (the message never repeats
     *     a password)
     */
    public static Builder builder(String uri) {
        return new Builder(List.of(RedisEndpoint.parse(uri)));
    }

    /**
     * Starts options for Redlock over independent Redis masters (not replicas of each other): a
     * lock is held when a majority of them granted it. Each URI as for {@link #builder(String)}.
     *
     * @throws IllegalArgumentException if fewer than 3 URIs are given, one repeats, or one is not
     *     a Redis URI
     */
    public static Builder redlock(List<String> uris) {
        Objects.requireNonNull(uris, "uris");
        if (uris.size() < 3) {
            throw new IllegalArgumentException("Redlock needs at least 3 independent Redis masters, got " + uris.size());
        }
        List<RedisURI> parsed = uris.stream().map(RedisEndpoint::parse).toList();
        if (parsed.stream().map(RedisEndpoint::describe).distinct().count() < parsed.size()) {
            throw new IllegalArgumentException("Redlock masters must be distinct, got "
                    + parsed.stream().map(RedisEndpoint::describe).toList());
        }
        return new Builder(parsed);
    }

    /**
     * Starts options for a Redis Cluster, reached through any of its nodes ({@code redis://} or
     * {@code rediss://} URIs). A lock's keys share a hash slot (the {@code {name}} hash tag), so
     * every lock operation is one script on the master of that slot; MOVED and ASK redirections
     * are followed.
     *
     * @throws IllegalArgumentException if no seed is given, or one is not a Redis URI
     */
    public static Builder cluster(List<String> seeds) {
        Objects.requireNonNull(seeds, "seeds");
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("seeds must name at least one node of the cluster, was " + seeds);
        }
        Builder builder = new Builder(seeds.stream().map(RedisEndpoint::parse).toList());
        builder.cluster = true;
        return builder;
    }

    List<RedisURI> uris() {
        return uris;
    }

    /** Whether the servers are seeds of one Redis Cluster rather than one server or Redlock masters. */
    boolean isCluster() {
        return cluster;
    }

    /** Whether the servers are independent Redlock masters, of which a majority decides. */
    boolean isRedlock() {
        return uris.size() > 1 && !cluster;
    }

    /**
     * The server as {@code host:port}, or {@code redlock(host:port, …)}, without credentials, for
     * messages and logs.
     */
    public String server() {
        if (uris.size() == 1 && !cluster) {
            return RedisEndpoint.describe(uris.get(0));
        }
        return uris.stream().map(RedisEndpoint::describe)
                .collect(Collectors.joining(", ", cluster ? "cluster(" : "redlock(", ")"));
    }

    /** Redlock: how long each master may take to answer one call before it counts as failed. */
    public Duration redlockNodeTimeout() {
        return redlockNodeTimeout;
    }

    /** Redlock: the share of a lease allowed for clock drift between the masters. */
    public double clockDriftFactor() {
        return clockDriftFactor;
    }

    /** Redlock: the least pause before trying again after a failed attempt. */
    public Duration retryDelay() {
        return retryDelay;
    }

    /** Redlock: the most added at random to {@link #retryDelay()}. */
    public Duration retryJitter() {
        return retryJitter;
    }

    /**
     * Redlock: how long a master that restarted and may have lost the locks it granted grants
     * nothing: by default the default lease plus 20 ms (a step of the token clock). See
     * {@link Builder#redlockRestartQuarantine(Duration)}.
     */
    public Duration redlockRestartQuarantine() {
        return redlockRestartQuarantine;
    }

    /** The prefix of every key the client writes. */
    public String namespace() {
        return namespace;
    }

    /** The lease of an acquisition that does not choose one. */
    public Duration defaultLease() {
        return defaultLease;
    }

    /** How long one Redis command may take before it fails with {@link LockUnavailableException}. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** How long connecting may take. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * How long a lock's fence counter outlives its last acquisition (and at least twice the
     * lease). Tokens are seeded from the server's clock, so a counter that expired still restarts
     * above every token it issued.
     */
    public Duration fenceCounterTtl() {
        return fenceCounterTtl;
    }

    /**
     * On a Cluster or under Redlock, how long an acquisition that waits keeps trying while too
     * little of Redis answers; see {@link Builder#outageAllowance(Duration)}.
     */
    public Duration outageAllowance() {
        return outageAllowance;
    }

    @Override
    public String toString() {
        return "RedisLockOptions{server=" + server() + ", namespace=" + namespace
                + ", defaultLease=" + defaultLease + ", commandTimeout=" + commandTimeout
                + ", connectTimeout=" + connectTimeout + ", fenceCounterTtl=" + fenceCounterTtl
                + (isRedlock() || cluster ? ", outageAllowance=" + outageAllowance : "")
                + (isRedlock() ? ", redlockRestartQuarantine=" + redlockRestartQuarantine : "") + "}";
    }

    /** Builds {@link RedisLockOptions}. Not thread-safe. */
    public static final class Builder {
        private final List<RedisURI> uris;
        private boolean cluster;
        private Duration redlockNodeTimeout = DEFAULT_REDLOCK_NODE_TIMEOUT;
        private double clockDriftFactor = DEFAULT_CLOCK_DRIFT_FACTOR;
        private Duration retryDelay = DEFAULT_RETRY_DELAY;
        private Duration retryJitter = DEFAULT_RETRY_JITTER;
        private String namespace = DEFAULT_NAMESPACE;
        private Duration defaultLease = DEFAULT_LEASE;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration fenceCounterTtl = DEFAULT_FENCE_COUNTER_TTL;
        private Duration outageAllowance;
        private Duration redlockRestartQuarantine;

        private Builder(List<RedisURI> uris) {
            this.uris = uris;
        }

        /** Redlock: the wait for each master's answer, 1 ms to 5 min; default 50 ms. */
        public Builder redlockNodeTimeout(Duration redlockNodeTimeout) {
            this.redlockNodeTimeout = Checks.requireBetween(
                    redlockNodeTimeout, "redlockNodeTimeout", Duration.ofMillis(1), MAX_TIMEOUT);
            return this;
        }

        /**
         * Redlock: how long a master that restarted without keeping every write grants nothing,
         * 0 to 1 day; default the {@linkplain #defaultLease default lease} plus 20 ms. This is the
         * distlock description's delayed restart, kept by the client: a master that lost the keys
         * of the locks it granted could otherwise give a lock held by a bare majority that
         * included it to a second client. Set it to the longest lease any client of the masters
         * takes, plus 20 ms (a step of the token clock). A restart is seen when the master's
         * {@code run_id} changes across a reconnect, or when a master that could not be reached at
         * creation joins less than this after its start; it is counted from then. A master reached
         * at creation is taken as it is. A restart is not held back when the master syncs every
         * write to an append-only file ({@code appendfsync always}) and the key
         * {@code <namespace>restart-marker}, written once, is found as it was before the restart.
         * Zero turns the check off (the masters' operators keep the rule).
         */
        public Builder redlockRestartQuarantine(Duration redlockRestartQuarantine) {
            this.redlockRestartQuarantine = Checks.requireBetween(
                    redlockRestartQuarantine, "redlockRestartQuarantine", Duration.ZERO, Duration.ofDays(1));
            return this;
        }

        /** Redlock: the clock-drift allowance as a share of the lease, 0 to 0.5; default 0.01. */
        public Builder clockDriftFactor(double clockDriftFactor) {
            if (!(clockDriftFactor >= 0 && clockDriftFactor <= 0.5)) {
                throw new IllegalArgumentException("clockDriftFactor must be between 0 and 0.5, was " + clockDriftFactor);
            }
            this.clockDriftFactor = clockDriftFactor;
            return this;
        }

        /** Redlock: the pause between attempts is {@code delay} plus up to {@code jitter} at random; defaults 50 ms and 100 ms. */
        public Builder retryDelay(Duration delay, Duration jitter) {
            this.retryDelay = Checks.requireBetween(delay, "retryDelay", Duration.ZERO, MAX_TIMEOUT);
            this.retryJitter = Checks.requireBetween(jitter, "retryJitter", Duration.ZERO, MAX_TIMEOUT);
            return this;
        }

        /**
         * The prefix of every key, 0 to 256 characters of well-formed UTF-16 without '{' or '}'
         * (they delimit the hash tag of a lock's keys); default {@value #DEFAULT_NAMESPACE}.
         */
        public Builder namespace(String namespace) {
            Checks.requireLength(namespace, "namespace", 0, MAX_NAMESPACE_LENGTH);
            LockKeys.requireNoHashTagBraces(namespace, "namespace");
            this.namespace = Checks.requireWellFormed(namespace, "namespace");
            return this;
        }

        /**
         * The default lease, renewed by the watchdog; 30 ms to 24 h, and longer than three command
         * timeouts (checked by {@link #build}); default 30 s.
         */
        public Builder defaultLease(Duration defaultLease) {
            this.defaultLease = Checks.requireBetween(defaultLease, "defaultLease", LeaseOptions.MIN_LEASE, LeaseOptions.MAX_LEASE);
            return this;
        }

        /** The timeout of each Redis command, 10 ms to 5 min; default 2 s. */
        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = Checks.requireBetween(commandTimeout, "commandTimeout", MIN_TIMEOUT, MAX_TIMEOUT);
            return this;
        }

        /** The timeout of connecting, 10 ms to 5 min; default 5 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.requireBetween(connectTimeout, "connectTimeout", MIN_TIMEOUT, MAX_TIMEOUT);
            return this;
        }

        /**
         * On a Cluster or under Redlock, how long an acquisition that waits keeps trying while too
         * little of Redis answers (a failed master before its replica takes over, a majority of
         * Redlock masters down), 0 to 1 day; default 30 s, and under Redlock at least the
         * {@linkplain #redlockRestartQuarantine restart quarantine} plus a command timeout (at
         * most 1 day), so that a wait outlasts the quarantine of a majority restarted together
         * when the restart itself is quick. Past it, the acquisition throws
         * {@link LockUnavailableException} whatever is left of its wait, so that {@code lock()},
         * which waits without end for a holder, does not wait without end for Redis. Keep it
         * longer than a failover takes (on a Cluster: {@code cluster-node-timeout} plus an
         * election). Set shorter than the quarantine, waiters give up while a restarted majority
         * sits it out. A lone server or Sentinel's master fails an acquisition within the command
         * timeout instead.
         */
        public Builder outageAllowance(Duration outageAllowance) {
            this.outageAllowance = Checks.requireBetween(outageAllowance, "outageAllowance", Duration.ZERO, LockStore.MAX_OUTAGE_ALLOWANCE);
            return this;
        }

        /** How long a fence counter outlives its last acquisition, 1 h to 365 days; default 25 h. */
        public Builder fenceCounterTtl(Duration fenceCounterTtl) {
            this.fenceCounterTtl = Checks.requireBetween(
                    fenceCounterTtl, "fenceCounterTtl", Duration.ofHours(1), Duration.ofDays(365));
            return this;
        }

        /**
         * @throws IllegalArgumentException if the command timeout is not shorter than a third of the
         *     default lease (a renewal that times out must leave time for another before the lease
         *     runs out)
         */
        public RedisLockOptions build() {
            Checks.requireLongerThanThreeCallTimeouts(defaultLease, "defaultLease", commandTimeout);
            if (uris.size() > 1 && !cluster && redlockNodeTimeout.compareTo(commandTimeout) > 0) {
                throw new IllegalArgumentException("redlockNodeTimeout (" + redlockNodeTimeout
                        + ") must not be longer than commandTimeout (" + commandTimeout + ")");
            }
            return new RedisLockOptions(this);
        }
    }
}
