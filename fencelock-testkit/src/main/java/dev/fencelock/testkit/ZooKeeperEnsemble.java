package dev.fencelock.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A ZooKeeper ensemble of real servers, each {@code QuorumPeerMain} in a JVM of its own (a
 * {@link ZooKeeperServer}), on free ports of 127.0.0.1: for tests that kill (SIGKILL) or pause
 * (SIGSTOP) a member, or its leader, and watch the others elect a new one. {@link #leader()} finds
 * the current leader from the members' {@code srvr} answers.
 *
 * <p>Every member ticks every 500 ms unless {@link Builder#tickTime} says otherwise: sessions may
 * last from 2 to 20 ticks (1 to 10 s), a follower has 20 ticks to join and a member that hears
 * nothing from its leader (or a leader from a quorum) for 6 ticks (3 s) gives up its role.
 *
 * <p>Closing the ensemble stops every member and deletes their directories. Thread-safe, as its
 * members are.
 */
public final class ZooKeeperEnsemble implements AutoCloseable {
    private static final int START_ATTEMPTS = 3;
    private static final Duration DEFAULT_TICK = Duration.ofMillis(500);
    /** How long a quorum may take to form, or to elect: on a 2-core machine at a load of 30, three JVMs starting at once took over 30 s. */
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);
    private static final int INIT_LIMIT_TICKS = 20;
    private static final int SYNC_LIMIT_TICKS = 6;

    private final List<ZooKeeperServer> members;

    private ZooKeeperEnsemble(List<ZooKeeperServer> members) {
        this.members = List.copyOf(members);
    }

    /**
     * Starts {@code members} members on 127.0.0.1 and waits until they have elected a leader and
     * every one serves.
     *
     * @throws IllegalArgumentException if {@code members} is not 3, 5 or 7
     * @throws IllegalStateException if a member exits, or no quorum forms within 60 s
     */
    public static ZooKeeperEnsemble start(int members) {
        return builder().members(members).start();
    }

    /** A builder for an ensemble of another size or tick, or with members placed in network namespaces. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for a {@link ZooKeeperEnsemble}, and the way to start one. Not thread-safe. */
    public static final class Builder {
        private int members = 3;
        private Duration tickTime = DEFAULT_TICK;
        private final Map<Integer, Placement> placements = new HashMap<>();

        private Builder() {}

        /** How many members: 3 (the default), 5 or 7. */
        public Builder members(int members) {
            if (members != 3 && members != 5 && members != 7) {
                throw new IllegalArgumentException("members must be 3, 5 or 7, was " + members);
            }
            this.members = members;
            return this;
        }

        /** ZooKeeper's unit of time: sessions last 2 to 20 ticks. From 50 ms to 2 s; 500 ms by default. */
        public Builder tickTime(Duration tickTime) {
            Objects.requireNonNull(tickTime, "tickTime");
            if (tickTime.toMillis() < 50 || tickTime.toMillis() > 2_000) {
                throw new IllegalArgumentException("tickTime must be between 50 ms and 2 s, was " + tickTime);
            }
            this.tickTime = tickTime;
            return this;
        }

        /**
         * Where member {@code member} (from 1) listens, and what its JVM is launched under: for a
         * member in a network namespace of its own, its address there and
         * {@code ip netns exec NAME}. Every other member then needs an address that this one can
         * reach (the host's end of the namespace's link), so place them all. By default a member
         * listens on 127.0.0.1 with no prefix.
         */
        public Builder place(int member, String address, List<String> launchPrefix) {
            if (member < 1) {
                throw new IllegalArgumentException("member must be at least 1, was " + member);
            }
            placements.put(member, new Placement(Objects.requireNonNull(address, "address"),
                    List.copyOf(Objects.requireNonNull(launchPrefix, "launchPrefix"))));
            return this;
        }

        /**
         * Starts the members and waits until they have elected a leader and every one serves.
         *
         * @throws IllegalArgumentException if a placement names a member beyond {@link #members}
         * @throws IllegalStateException if a member exits, or no quorum forms within 60 s
         */
        public ZooKeeperEnsemble start() {
            for (int member : placements.keySet()) {
                if (member > members) {
                    throw new IllegalArgumentException("place names member " + member + " of an ensemble of " + members);
                }
            }
            return startWithFreePorts(() -> launch(this));
        }
    }

    private record Placement(String address, List<String> launchPrefix) {}

    private static ZooKeeperEnsemble launch(Builder builder) {
        Set<Integer> taken = new HashSet<>();
        List<Placement> placements = new ArrayList<>();
        List<ZooKeeperPorts> ports = new ArrayList<>();
        StringBuilder servers = new StringBuilder();
        for (int id = 1; id <= builder.members; id++) {
            Placement placement = builder.placements.getOrDefault(id, new Placement(ZooKeeperServer.LOOPBACK, List.of()));
            ZooKeeperPorts own = ZooKeeperPorts.free(taken);
            placements.add(placement);
            ports.add(own);
            servers.append("server.").append(id).append('=').append(placement.address()).append(':')
                    .append(own.quorum()).append(':').append(own.election()).append('\n');
        }
        List<ZooKeeperServer> members = new ArrayList<>();
        try {
            for (int id = 1; id <= builder.members; id++) {
                Placement placement = placements.get(id - 1);
                ZooKeeperPorts own = ports.get(id - 1);
                members.add(ZooKeeperServer.prepare(id, placement.address(), own, placement.launchPrefix(),
                        config(builder.tickTime, placement.address(), own) + servers));
            }
            members.forEach(ZooKeeperServer::launch);
            ZooKeeperEnsemble ensemble = new ZooKeeperEnsemble(members);
            ensemble.awaitQuorum(LEADER_TIMEOUT, true);
            return ensemble;
        } catch (RuntimeException e) {
            boolean portLost = members.stream().anyMatch(ZooKeeperServer::lostAPort);
            members.forEach(ZooKeeperServer::close);
            throw new PortLostException(e, portLost);
        }
    }

    /** {@link ZooKeeperServer#start()}: one server, no peers, on the default tick. */
    static ZooKeeperServer startStandalone() {
        return startWithFreePorts(() -> {
            ZooKeeperPorts ports = ZooKeeperPorts.free(new HashSet<>());
            ZooKeeperServer server = ZooKeeperServer.prepare(0, ZooKeeperServer.LOOPBACK, ports, List.of(),
                    config(DEFAULT_TICK, ZooKeeperServer.LOOPBACK, ports));
            try {
                server.launch();
                server.awaitServing();
                return server;
            } catch (RuntimeException e) {
                boolean portLost = server.lostAPort();
                server.close();
                throw new PortLostException(e, portLost);
            }
        });
    }

    /** The configuration every server of the kit shares, before its peers and data directory. */
    private static String config(Duration tickTime, String address, ZooKeeperPorts ports) {
        return String.join("\n",
                "tickTime=" + tickTime.toMillis(),
                "initLimit=" + INIT_LIMIT_TICKS,
                "syncLimit=" + SYNC_LIMIT_TICKS,
                "clientPort=" + ports.client(),
                "clientPortAddress=" + address,
                "maxClientCnxns=0",
                "admin.enableServer=false",
                "4lw.commands.whitelist=*",
                // Unknown keys become zookeeper.* system properties: no fsync (see ZooKeeperServer),
                // and a small preallocated log instead of 64 MB per server.
                "forceSync=no",
                "preAllocSize=1024",
                "");
    }

    /** Retries a start whose ports another process took meanwhile, with new ones. */
    private static <T> T startWithFreePorts(Supplier<T> start) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            try {
                return start.get();
            } catch (PortLostException e) {
                if (!e.portLost) {
                    throw (RuntimeException) e.getCause();
                }
                last = (RuntimeException) e.getCause();
            }
        }
        throw last;
    }

    /** A start that failed, and whether because a port was taken (then it is worth another try). */
    private static final class PortLostException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final boolean portLost;

        PortLostException(RuntimeException cause, boolean portLost) {
            super(cause);
            this.portLost = portLost;
        }
    }

    /** The members, in the order of their ids (member 1 first). */
    public List<ZooKeeperServer> members() {
        return members;
    }

    /**
     * Member {@code id}, from 1 as in ZooKeeper's configuration.
     *
     * @throws IllegalArgumentException if there is no such member
     */
    public ZooKeeperServer member(int id) {
        if (id < 1 || id > members.size()) {
            throw new IllegalArgumentException("id must be between 1 and " + members.size() + ", was " + id);
        }
        return members.get(id - 1);
    }

    /** {@code host:port,host:port,…} of every member: what a client connects with. */
    public String connectString() {
        return members.stream().map(ZooKeeperServer::connectString).collect(Collectors.joining(","));
    }

    /**
     * The current leader: waits, up to 60 s, until exactly one of the running, unpaused members
     * says it leads.
     *
     * @throws IllegalStateException if none does within 60 s (no quorum: too many members down)
     */
    public ZooKeeperServer leader() {
        return awaitLeader(LEADER_TIMEOUT);
    }

    /** The members other than the {@link #leader()}, in the order of their ids. */
    public List<ZooKeeperServer> followers() {
        ZooKeeperServer leader = leader();
        return members.stream().filter(member -> member != leader).toList();
    }

    /**
     * Waits until exactly one running, unpaused member says it leads and returns it.
     *
     * @throws IllegalStateException if none does within {@code timeout}, with every member's mode
     */
    public ZooKeeperServer awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ZooKeeperServer> leaders = members.stream().filter(ZooKeeperEnsemble::isReachable)
                    .filter(member -> member.mode() == ZooKeeperServer.Mode.LEADER).toList();
            if (leaders.size() == 1) {
                return leaders.get(0);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no single leader within " + timeout.toMillis() + " ms: " + modes());
            }
            ZooKeeperServer.pauseBriefly();
        }
    }

    /**
     * Waits until every running, unpaused member serves, one of them as the leader: after a
     * member's restart, it has rejoined.
     *
     * @throws IllegalStateException if they do not within {@code timeout}, with every member's mode
     *     and the log of any member that exited
     */
    public void awaitQuorum(Duration timeout) {
        awaitQuorum(timeout, false);
    }

    /** As {@link #awaitQuorum(Duration)}; with {@code allMustRun}, as soon as a member exits, fails. */
    private void awaitQuorum(Duration timeout, boolean allMustRun) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ZooKeeperServer.Mode> modes = members.stream().filter(ZooKeeperEnsemble::isReachable)
                    .map(ZooKeeperServer::mode).toList();
            if (modes.stream().filter(mode -> mode == ZooKeeperServer.Mode.LEADER).count() == 1
                    && modes.stream().allMatch(ZooKeeperServer.Mode::isServing)) {
                return;
            }
            boolean exited = allMustRun && !members.stream().allMatch(ZooKeeperServer::isRunning);
            if (exited || System.nanoTime() - deadline > 0) {
                StringBuilder message = new StringBuilder("the ensemble did not serve within " + timeout.toMillis()
                        + " ms: " + modes());
                for (ZooKeeperServer member : members) {
                    if (!member.isRunning()) {
                        message.append("\n").append(member).append(" is not running; its log ends:\n").append(member.logTail());
                    }
                }
                throw new IllegalStateException(message.toString());
            }
            ZooKeeperServer.pauseBriefly();
        }
    }

    /** Every member and what it says it is, for failure messages. */
    public String modes() {
        return members.stream().map(member -> member.id() + "=" + (member.isPaused() ? "PAUSED"
                : member.isRunning() ? member.mode() : "DOWN")).collect(Collectors.joining(", ", "[", "]"));
    }

    private static boolean isReachable(ZooKeeperServer member) {
        return member.isRunning() && !member.isPaused();
    }

    /** Stops every member, each even if another fails to stop, and deletes their directories. Idempotent. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (ZooKeeperServer member : members) {
            try {
                member.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "ZooKeeper ensemble " + connectString();
    }
}
