package dev.fencelock.zookeeper;

import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Checks;
import dev.fencelock.spi.LockStore;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link LockClient} on ZooKeeper connects and what its locks default to. Immutable; built
 * with {@link #builder(String)}, which checks each value where it is given and the rules between
 * values in {@link Builder#build()}.
 *
 * <pre>{@code
 * ZooKeeperLockOptions options = ZooKeeperLockOptions.builder("zk1:2181,zk2:2181,zk3:2181")
 *         .rootPath("/billing/locks")
 *         .sessionTimeout(Duration.ofSeconds(10))
 *         .build();
 * }</pre>
 */
public final class ZooKeeperLockOptions {
    /** The parent of every lock's node, unless changed: the lock {@code orders:42} is {@code /fencelock/orders:42}. */
    public static final String DEFAULT_ROOT_PATH = "/fencelock";
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** See {@link Builder#outageAllowance(Duration)}. */
    public static final Duration DEFAULT_OUTAGE_ALLOWANCE = LockStore.DEFAULT_OUTAGE_ALLOWANCE;

    static final int MAX_ROOT_PATH_LENGTH = 256;
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration MIN_SESSION_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration MAX_SESSION_TIMEOUT = Duration.ofMinutes(10);

    private final String connectString;
    private final String rootPath;
    private final Duration sessionTimeout;
    private final Duration connectionTimeout;
    private final Duration callTimeout;
    private final Duration defaultLease;
    private final Duration outageAllowance;

    private ZooKeeperLockOptions(Builder builder) {
        this.connectString = builder.connectString;
        this.rootPath = builder.rootPath;
        this.sessionTimeout = builder.sessionTimeout;
        this.connectionTimeout = builder.connectionTimeout;
        this.callTimeout = builder.callTimeout;
        this.defaultLease = builder.defaultLease;
        this.outageAllowance = builder.outageAllowance;
    }

    /**
     * Starts options for the ZooKeeper ensemble at {@code connectString}: {@code host:port}, several
     * of them separated by commas, optionally followed by a chroot ({@code zk1:2181,zk2:2181/apps}).
     *
     * @throws IllegalArgumentException if {@code connectString} is not of that form
     */
    public static Builder builder(String connectString) {
        return new Builder(ConnectString.check(connectString));
    }

    /** The ensemble, as given. */
    public String connectString() {
        return connectString;
    }

    /** The parent of every lock's node. */
    public String rootPath() {
        return rootPath;
    }

    /**
     * The session timeout asked of the ensemble (it may grant less, within its own bounds). A
     * crashed holder's lock is free when its session expires; a holder that cannot confirm its
     * session counts its lease as lost after two thirds of it (see the README, "ZooKeeper").
     */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** How long connecting may take. */
    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    /** How long one call to ZooKeeper may take before it fails with {@link LockUnavailableException}. */
    public Duration callTimeout() {
        return callTimeout;
    }

    /** The lease of an acquisition that does not choose one. */
    public Duration defaultLease() {
        return defaultLease;
    }

    /**
     * How long an acquisition that waits keeps trying while ZooKeeper does not answer; see
     * {@link Builder#outageAllowance(Duration)}.
     */
    public Duration outageAllowance() {
        return outageAllowance;
    }

    @Override
    public String toString() {
        return "ZooKeeperLockOptions{connectString=" + connectString + ", rootPath=" + rootPath
                + ", sessionTimeout=" + sessionTimeout + ", connectionTimeout=" + connectionTimeout
                + ", callTimeout=" + callTimeout + ", defaultLease=" + defaultLease
                + ", outageAllowance=" + outageAllowance + "}";
    }

    /** Builds {@link ZooKeeperLockOptions}. Not thread-safe. */
    public static final class Builder {
        private final String connectString;
        private String rootPath = DEFAULT_ROOT_PATH;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration defaultLease = DEFAULT_LEASE;
        private Duration outageAllowance = DEFAULT_OUTAGE_ALLOWANCE;

        private Builder(String connectString) {
            this.connectString = connectString;
        }

        /**
         * The parent of every lock's node: an absolute ZooKeeper path of 2 to 256 characters, not
         * ending with '/', without empty, {@code .} or {@code ..} segments; default {@value #DEFAULT_ROOT_PATH}.
         */
        public Builder rootPath(String rootPath) {
            this.rootPath = LockPaths.checkRoot(rootPath, "rootPath");
            return this;
        }

        /** The session timeout asked of the ensemble, 1 s to 10 min; default 15 s. */
        public Builder sessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = Checks.requireBetween(sessionTimeout, "sessionTimeout", MIN_SESSION_TIMEOUT, MAX_SESSION_TIMEOUT);
            return this;
        }

        /** The timeout of connecting, 10 ms to 5 min; default 5 s. */
        public Builder connectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = Checks.requireBetween(connectionTimeout, "connectionTimeout", MIN_TIMEOUT, MAX_TIMEOUT);
            return this;
        }

        /** The timeout of each call to ZooKeeper, 10 ms to 5 min; default 2 s. */
        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = Checks.requireBetween(callTimeout, "callTimeout", MIN_TIMEOUT, MAX_TIMEOUT);
            return this;
        }

        /**
         * The default lease, renewed by the watchdog; 30 ms to 24 h, and longer than three call
         * timeouts (checked by {@link #build}); default 30 s.
         */
        public Builder defaultLease(Duration defaultLease) {
            this.defaultLease = Checks.requireBetween(defaultLease, "defaultLease", LeaseOptions.MIN_LEASE, LeaseOptions.MAX_LEASE);
            return this;
        }

        /**
         * How long an acquisition that waits keeps trying while ZooKeeper does not answer (a leader
         * election, a lost connection), 0 to 1 day; default 30 s. Past it, the acquisition throws
         * {@link LockUnavailableException} whatever is left of its wait, so that {@code lock()},
         * which waits without end for a holder, does not wait without end for the ensemble.
         */
        public Builder outageAllowance(Duration outageAllowance) {
            this.outageAllowance = Checks.requireBetween(outageAllowance, "outageAllowance", Duration.ZERO, LockStore.MAX_OUTAGE_ALLOWANCE);
            return this;
        }

        /**
         * @throws IllegalArgumentException if the call timeout is not shorter than a third of the
         *     default lease, or than a third of the two thirds of the session timeout that a lease is
         *     trusted for: a renewal that times out must leave time for another
         */
        public ZooKeeperLockOptions build() {
            Checks.requireLongerThanThreeCallTimeouts(defaultLease, "defaultLease", callTimeout);
            Duration sessionBound = SessionBound.of(sessionTimeout);
            if (callTimeout.multipliedBy(3).compareTo(sessionBound) >= 0) {
                throw new IllegalArgumentException("sessionTimeout (" + sessionTimeout + ") must be longer than"
                        + " 4.5 call timeouts (callTimeout " + callTimeout + "): a lease is trusted for two thirds"
                        + " of the session (" + sessionBound + "), in which a renewal must be able to time out and be retried");
            }
            return new ZooKeeperLockOptions(this);
        }
    }

    /** The form of a connect string, checked before Curator sees it (it would fail late, or in a thread of its own). */
    static final class ConnectString {
        private ConnectString() {}

        static String check(String connectString) {
            Objects.requireNonNull(connectString, "connectString");
            String hosts = connectString;
            int chroot = connectString.indexOf('/');
            if (chroot >= 0) {
                hosts = connectString.substring(0, chroot);
                LockPaths.checkRoot(connectString.substring(chroot), "connectString's chroot");
            }
            if (hosts.isBlank()) {
                throw new IllegalArgumentException("connectString must name at least one server as host:port, was '"
                        + connectString + "'");
            }
            for (String server : hosts.split(",", -1)) {
                int colon = server.lastIndexOf(':');
                String port = colon < 0 ? "" : server.substring(colon + 1);
                if (colon <= 0 || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535
                        || server.substring(0, colon).isBlank()) {
                    throw new IllegalArgumentException("connectString must be host:port[,host:port...][/chroot] with ports"
                            + " 1 to 65535, but has '" + server + "' in '" + connectString + "'");
                }
            }
            return connectString;
        }
    }
}
