package dev.fencelock;

import io.lettuce.core.RedisURI;
import java.time.Duration;

/**
 * How a {@link LockClient} connects and what its locks default to. Immutable; built with
 * {@link #builder(String)}, which checks each value where it is given and the rules between
 * values in {@link Builder#build()}.
 *
 * <pre>{@code
 * LockClientOptions options = LockClientOptions.builder("redis://app:secret@redis.internal:6379")
 *         .namespace("billing:locks:")
 *         .defaultLease(Duration.ofSeconds(20))
 *         .commandTimeout(Duration.ofSeconds(1))
 *         .build();
 * }</pre>
 */
public final class LockClientOptions {
    /** Prefix of every key the client writes, unless changed. */
    public static final String DEFAULT_NAMESPACE = "fencelock:";
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_FENCE_COUNTER_TTL = Duration.ofHours(25);

    static final int MAX_NAMESPACE_LENGTH = 256;
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    private final RedisURI uri;
    private final String namespace;
    private final Duration defaultLease;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Duration fenceCounterTtl;

    private LockClientOptions(Builder builder) {
        this.uri = builder.uri;
        this.namespace = builder.namespace;
        this.defaultLease = builder.defaultLease;
        this.commandTimeout = builder.commandTimeout;
        this.connectTimeout = builder.connectTimeout;
        this.fenceCounterTtl = builder.fenceCounterTtl;
    }

    /**
     * Starts options for the Redis at {@code uri}, in Lettuce's form: {@code redis://host:port},
     * {@code redis://user:password@host:port/db}, {@code rediss://…} for TLS.
     *
     * @throws IllegalArgumentException if {@code uri} is not such a URI (the message never repeats
     *     a password)
     */
    public static Builder builder(String uri) {
        return new Builder(RedisEndpoint.parse(uri));
    }

    RedisURI uri() {
        return uri;
    }

    /** The server as {@code host:port}, without credentials, for messages and logs. */
    public String server() {
        return RedisEndpoint.describe(uri);
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

    @Override
    public String toString() {
        return "LockClientOptions{server=" + server() + ", namespace=" + namespace
                + ", defaultLease=" + defaultLease + ", commandTimeout=" + commandTimeout
                + ", connectTimeout=" + connectTimeout + ", fenceCounterTtl=" + fenceCounterTtl + "}";
    }

    /** Builds {@link LockClientOptions}. Not thread-safe. */
    public static final class Builder {
        private final RedisURI uri;
        private String namespace = DEFAULT_NAMESPACE;
        private Duration defaultLease = DEFAULT_LEASE;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration fenceCounterTtl = DEFAULT_FENCE_COUNTER_TTL;

        private Builder(RedisURI uri) {
            this.uri = uri;
        }

        /** The prefix of every key, 0 to 256 characters; default {@value #DEFAULT_NAMESPACE}. */
        public Builder namespace(String namespace) {
            this.namespace = Arguments.requireLength(namespace, "namespace", 0, MAX_NAMESPACE_LENGTH);
            return this;
        }

        /** The default lease, renewed by the watchdog; default 30 s. */
        public Builder defaultLease(Duration defaultLease) {
            this.defaultLease = LeaseOptions.checkLease(defaultLease);
            return this;
        }

        /** The timeout of each Redis command, 10 ms to 5 min; default 2 s. */
        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = Arguments.requireBetween(commandTimeout, "commandTimeout", MIN_TIMEOUT, MAX_TIMEOUT);
            return this;
        }

        /** The timeout of connecting, 10 ms to 5 min; default 5 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Arguments.requireBetween(connectTimeout, "connectTimeout", MIN_TIMEOUT, MAX_TIMEOUT);
            return this;
        }

        /** How long a fence counter outlives its last acquisition, 1 h to 365 days; default 25 h. */
        public Builder fenceCounterTtl(Duration fenceCounterTtl) {
            this.fenceCounterTtl = Arguments.requireBetween(
                    fenceCounterTtl, "fenceCounterTtl", Duration.ofHours(1), Duration.ofDays(365));
            return this;
        }

        /**
         * @throws IllegalArgumentException if the command timeout is not shorter than a third of the
         *     default lease (a renewal that times out must leave time for another before the lease
         *     runs out)
         */
        public LockClientOptions build() {
            if (commandTimeout.multipliedBy(3).compareTo(defaultLease) >= 0) {
                throw new IllegalArgumentException("commandTimeout (" + commandTimeout
                        + ") must be shorter than a third of defaultLease (" + defaultLease
                        + "), so that a renewal can time out and be retried before the lease runs out");
            }
            return new LockClientOptions(this);
        }
    }
}
