package dev.fencelock.verify;

import dev.fencelock.testkit.RedisBinary;
import dev.fencelock.testkit.ZooKeeperEnsemble;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The scenarios: a topology of Redis nodes (or of ZooKeeper members) and the faults thrown at it. Each also names what it
 * shows. The last one is the control: the first scenario with a resource that does not check
 * tokens and clients that do not record their lost signals, where the checker must find the lost
 * updates that fencing prevents elsewhere and the lost leases that were never signalled.
 */
enum Scenario {
    SINGLE_CLIENT_PAUSES("single-client-pauses", true,
            "one Redis server; the holder frozen (SIGSTOP) for 1.5 to 3 leases right after it read the counter") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            Masters single = new Masters(List.of(KitRedis.start("n0", false)), Optional.empty());
            return new Setup(single, List.of(new ClientPause(fleet, watch, Range.ofLeases(settings.lease(), 1.5, 3))), DEFAULT_GAPS);
        }
    },
    SINGLE_NODE_RESTARTS("single-node-restarts", true,
            "one Redis server without persistence, killed (SIGKILL) and restarted empty: lock key and fence counter lost") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            Masters single = new Masters(List.of(KitRedis.start("n0", false)), Optional.empty());
            return new Setup(single, List.of(new NodeKill(single.nodes(), 1, new Range(Duration.ofMillis(200), Duration.ofMillis(1500)))),
                    new Range(Duration.ofSeconds(1), Duration.ofSeconds(2)));
        }
    },
    REDLOCK_TWO_KILLED("redlock-two-killed", true,
            "Redlock over 5 masters (n0, n1 without persistence, n2-n4 append-only): two killed at once and restarted;"
                    + " masters frozen (SIGSTOP)") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            List<FaultableRedis> nodes = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    nodes.add(KitRedis.start("n" + i, i >= 2));
                }
            } catch (RuntimeException e) {
                closeAfterFailure(nodes, e);
                throw e;
            }
            Masters masters = new Masters(nodes, Optional.empty());
            return new Setup(masters, List.of(
                    new NodeKill(nodes, 2, new Range(Duration.ofMillis(200), Duration.ofSeconds(2))),
                    new NodePause(nodes, Range.ofLeases(settings.lease(), 0.3, 2.5))), DEFAULT_GAPS);
        }
    },
    REDLOCK_CLOCK_SKEW("redlock-clock-skew", true,
            "Redlock over 5 masters; n0 runs under libfaketime and its wall clock jumps forward 2 to 4 s at a time") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            return onFakeClock(ClockSkew.KIND, (clock, nodes) -> new ClockSkew(clock, nodes.get(0), CLOCK_JUMPS));
        }
    },
    REDLOCK_SKEW_RESTARTS("redlock-skew-restarts", true,
            "Redlock over 5 masters without persistence, n0 under libfaketime: a token minted from n0's clock 2 to 4 s ahead"
                    + " and granted by n0 and two others only; then n0 and one of those two restarted empty (n0's clock"
                    + " corrected) and the third frozen") {
        /** Every fault that completes shows its point: two or three make a short run's case. */
        @Override
        Duration window(Settings settings) {
            return settings.briefWindow();
        }

        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            return onFakeClock(AheadTokenRestart.KIND, (clock, nodes) -> new AheadTokenRestart(clock, nodes, CLOCK_JUMPS,
                    new Range(Duration.ofMillis(200), Duration.ofMillis(600)), Range.ofLeases(settings.lease(), 1.5, 3)));
        }
    },
    REDLOCK_PARTITION("redlock-partition", true,
            "Redlock over 5 masters; n0 and n1 in network namespaces of their own, cut off (link down) one or both at a time") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            List<FaultableRedis> nodes = new ArrayList<>();
            List<Nemesis> nemeses = new ArrayList<>();
            Availability<IsolatedNetwork> network = IsolatedNetwork.create(2);
            try {
                if (network.value().isPresent()) {
                    List<IsolatedNode> isolated = new ArrayList<>();
                    for (NetworkNamespace namespace : network.value().get().namespaces()) {
                        FaultableRedis node = LaunchedRedis.inNamespace("n" + nodes.size(), RedisBinary.locate(), namespace, NAMESPACE_PORT);
                        nodes.add(node);
                        isolated.add(new IsolatedNode(node, namespace));
                    }
                    nemeses.add(new Partition(isolated, Range.ofLeases(settings.lease(), 0.5, 3)));
                    nemeses.add(new LinkDelay(isolated, Range.ofLeases(settings.lease(), 1, 3)));
                } else {
                    nodes.add(KitRedis.start("n0", false));
                    nodes.add(KitRedis.start("n1", false));
                    nemeses.add(Nemesis.skipped(Partition.KIND, network.reason().orElseThrow()));
                    nemeses.add(Nemesis.skipped(LinkDelay.KIND, network.reason().orElseThrow()));
                }
                for (int i = 2; i < 5; i++) {
                    nodes.add(KitRedis.start("n" + i, false));
                }
            } catch (RuntimeException e) {
                closeAfterFailure(nodes, e);
                network.value().ifPresent(IsolatedNetwork::close);
                throw e;
            }
            return new Setup(new Masters(nodes, network.value()), nemeses, DEFAULT_GAPS);
        }
    },
    SENTINEL_FAILOVER("sentinel-failover", true,
            "a master, a replica and 3 sentinels; the master killed (SIGKILL), the replica promoted, the old master back as replica") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            SentinelGroup group = SentinelGroup.start();
            // Sentinel starts another failover of the same master only 2 × failover-timeout (4 s) after one.
            return new Setup(group, List.of(new MasterFailover(group, new Range(Duration.ofSeconds(1), Duration.ofMillis(2500)))),
                    new Range(Duration.ofMillis(4500), Duration.ofSeconds(6)));
        }
    },
    FAIR_PAUSES_RESTARTS("fair-pauses-restarts", LockUnderTest.FAIR,
            "the fair lock on one Redis server without persistence: the holder or a waiter frozen (SIGSTOP) for 1.5 to 3"
                    + " leases; the server killed (SIGKILL) and restarted empty, its queue lost"),
    READ_WRITE_PAUSES_RESTARTS("read-write-pauses-restarts", LockUnderTest.READ_WRITE,
            "the read-write lock on one Redis server without persistence, 30 % of rounds writing: a reader or writer frozen"
                    + " (SIGSTOP) for 1.5 to 3 leases right after it read the counter; the server killed (SIGKILL) and restarted empty"),
    SEMAPHORE_PAUSES_RESTARTS("semaphore-pauses-restarts", LockUnderTest.PERMIT,
            "a semaphore of " + LockUnderTest.PERMITS + " permits on one Redis server without persistence: a permit's holder"
                    + " frozen (SIGSTOP) for 1.5 to 3 leases right after it read the counter; the server killed (SIGKILL) and"
                    + " restarted empty, every permit lost"),
    ZOOKEEPER_CLIENT_PAUSES("zookeeper-client-pauses", true,
            "ZooKeeper, 3 members in JVMs of their own; the holder frozen (SIGSTOP) for 1.5 to 3 sessions right after it"
                    + " read the counter: its session expires and its node goes") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            Range pauses = Range.ofLeases(ZooKeeperTopology.sessionTimeout(settings.lease()), 1.5, 3);
            return new Setup(ZooKeeperTopology.start(), List.of(new ClientPause(fleet, watch, pauses)), DEFAULT_GAPS);
        }
    },
    ZOOKEEPER_MEMBER_KILL("zookeeper-member-kill", true,
            "ZooKeeper, 3 members in JVMs of their own; a member picked at random killed (SIGKILL) and restarted with its data") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            return onEnsemble(ensemble -> MemberKill.anyMember(ensemble, MEMBER_DOWNTIMES));
        }
    },
    ZOOKEEPER_LEADER_KILL("zookeeper-leader-kill", true,
            "ZooKeeper, 3 members in JVMs of their own; the leader killed (SIGKILL), the other two elect another, the old one"
                    + " back as a follower") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            return onEnsemble(ensemble -> MemberKill.leader(ensemble, MEMBER_DOWNTIMES));
        }
    },
    ZOOKEEPER_PARTITION("zookeeper-partition", true,
            "ZooKeeper, 3 members in JVMs of their own, member 3 in a network namespace of its own: cut off (link down) for 0.5"
                    + " to 3 sessions, as leader or follower") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            Availability<IsolatedNetwork> network = IsolatedNetwork.create(1);
            if (network.value().isEmpty()) {
                return new Setup(ZooKeeperTopology.start(), List.of(Nemesis.skipped(MemberPartition.KIND, network.reason().orElseThrow())),
                        DEFAULT_GAPS);
            }
            ZooKeeperTopology zookeeper;
            try {
                zookeeper = ZooKeeperTopology.startWithIsolated(network.value().get());
            } catch (RuntimeException e) {
                network.value().get().close();
                throw e;
            }
            Range cuts = Range.ofLeases(ZooKeeperTopology.sessionTimeout(settings.lease()), 0.5, 3);
            return new Setup(zookeeper, List.of(new MemberPartition(zookeeper.ensemble(), zookeeper.isolatedMember().orElseThrow(),
                    zookeeper.namespace().orElseThrow(), cuts)), DEFAULT_GAPS);
        }
    },
    CONTROL_NO_FENCING("control-no-fencing", false,
            "the control: single-client-pauses against a counter that does not check tokens, its clients recording no lost"
                    + " signal; the checker must find lost updates and missed signals") {
        @Override
        Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
            return SINGLE_CLIENT_PAUSES.setUp(settings, fleet, watch);
        }
    };

    private static final Range DEFAULT_GAPS = new Range(Duration.ofMillis(500), Duration.ofMillis(1500));
    /** How long a killed ZooKeeper member stays down: about one to three sessions of the clients'. */
    private static final Range MEMBER_DOWNTIMES = new Range(Duration.ofSeconds(1), Duration.ofSeconds(5));
    /** How far a master's clock jumps ahead at a time. */
    private static final Range CLOCK_JUMPS = new Range(Duration.ofSeconds(2), Duration.ofSeconds(4));
    /** The port of a node in a namespace: the namespace has its own ports, so any fixed one will do. */
    private static final int NAMESPACE_PORT = 6390;

    private final String id;
    private final boolean fenced;
    private final LockUnderTest lock;
    private final String description;

    Scenario(String id, boolean fenced, String description) {
        this(id, fenced, LockUnderTest.PLAIN, description);
    }

    Scenario(String id, LockUnderTest lock, String description) {
        this(id, true, lock, description);
    }

    Scenario(String id, boolean fenced, LockUnderTest lock, String description) {
        this.id = id;
        this.fenced = fenced;
        this.lock = lock;
        this.description = description;
    }

    /** The name in reports and on the command line: {@code single-client-pauses}. */
    String id() {
        return id;
    }

    String description() {
        return description;
    }

    /** The lock the clients contend for. */
    LockUnderTest lock() {
        return lock;
    }

    /** Whether the resources check fencing tokens; false only for the control. */
    boolean isFenced() {
        return fenced;
    }

    boolean isControl() {
        return !fenced;
    }

    /** Whether the clients record the lost signals they are told; false only for the control. */
    boolean recordsLostSignals() {
        return !isControl();
    }

    /**
     * Whether the build's short run ({@code VerifyShortIT}) includes it: every Redis scenario, and
     * none of ZooKeeper's. The quickest of those, the leader kill, took 52 to 80 s on the shared
     * 2-core machine (an ensemble of three JVMs to start before the clients), over the build's
     * 60 s allowance for it; they run from {@code ./fencelock-verify/run}.
     */
    boolean isInBuild() {
        return !id.startsWith("zookeeper-");
    }

    static Scenario byId(String id) {
        for (Scenario scenario : values()) {
            if (scenario.id.equals(id)) {
                return scenario;
            }
        }
        throw new IllegalArgumentException("no scenario " + id + "; there are " + List.of(values()).stream().map(Scenario::id).toList());
    }

    /**
     * How long faults are injected: the mode's window, unless the scenario says otherwise. The fair,
     * read-write and semaphore scenarios throw the plain lock's faults at them, each of which shows its
     * point: they get the brief window.
     */
    Duration window(Settings settings) {
        return lock == LockUnderTest.PLAIN ? settings.window() : settings.briefWindow();
    }

    /**
     * Starts the topology and makes the nemeses (their clients are in {@code fleet} once started).
     * The default, which the fair, read-write and semaphore scenarios use: one server without
     * persistence; holders frozen past their lease right after they read the counter, and under the
     * fair lock clients that wait in its queue too; the server killed and restarted empty.
     */
    Setup setUp(Settings settings, Fleet fleet, RedisCounter watch) {
        KitRedis node = KitRedis.start("n0", false);
        Range pauses = Range.ofLeases(settings.lease(), 1.5, 3);
        List<Nemesis> nemeses = new ArrayList<>(List.of(new ClientPause(fleet, watch, pauses),
                new NodeKill(List.of(node), 1, new Range(Duration.ofMillis(200), Duration.ofMillis(1500)))));
        if (lock == LockUnderTest.FAIR) {
            nemeses.add(ClientPause.waiters(fleet, watch, pauses));
        }
        return new Setup(new Masters(List.of(node), Optional.empty()), nemeses, DEFAULT_GAPS);
    }

    /**
     * A scenario ready to run.
     *
     * @param topology the servers the clients lock on
     * @param nemeses the faults, including those this machine cannot produce (skipped)
     * @param gaps the quiet between two faults
     */
    record Setup(Topology topology, List<Nemesis> nemeses, Range gaps) {}

    /** A 3-member ZooKeeper ensemble on 127.0.0.1 and one fault made for it. */
    private static Setup onEnsemble(Function<ZooKeeperEnsemble, Nemesis> fault) {
        ZooKeeperTopology zookeeper = ZooKeeperTopology.start();
        return new Setup(zookeeper, List.of(fault.apply(zookeeper.ensemble())), DEFAULT_GAPS);
    }

    /** Stops the nodes of a topology that failed half-way; their own failures go with {@code cause}. */
    private static void closeAfterFailure(List<FaultableRedis> nodes, RuntimeException cause) {
        try {
            Cleanup.each(nodes, FaultableRedis::close);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Redlock over 5 masters without persistence, n0 on a fake clock, and the one fault that
     * {@code nemesis} makes of the clock and the masters; where this machine cannot fake a clock, n0
     * runs on the true one and the fault of {@code kind} is reported skipped, with the reason.
     */
    private static Setup onFakeClock(String kind, BiFunction<FakeClock, List<FaultableRedis>, Nemesis> nemesis) {
        List<FaultableRedis> nodes = new ArrayList<>();
        try {
            Availability<FakeClock> clock = FakeClock.prepare();
            Availability<FaultableRedis> skewed = clock.value().map(Scenario::startOnFakeClock)
                    .orElseGet(() -> Availability.unavailable(clock.reason().orElseThrow()));
            nodes.add(skewed.value().isPresent() ? skewed.value().get() : KitRedis.start("n0", false));
            for (int i = 1; i < 5; i++) {
                nodes.add(KitRedis.start("n" + i, false));
            }
            Nemesis fault = skewed.value().isPresent() ? nemesis.apply(clock.value().get(), nodes)
                    : Nemesis.skipped(kind, skewed.reason().orElseThrow());
            return new Setup(new Masters(nodes, Optional.empty()), List.of(fault), DEFAULT_GAPS);
        } catch (RuntimeException e) {
            closeAfterFailure(nodes, e);
            throw e;
        }
    }

    /**
     * Starts n0 under the fake clock and checks that the clock is really faked: a one-hour jump must
     * show in its {@code TIME}. The clock is then set back to real time, before any client connects.
     */
    private static Availability<FaultableRedis> startOnFakeClock(FakeClock clock) {
        LaunchedRedis node;
        try {
            node = LaunchedRedis.onLoopback("n0", clock.binary(), clock.environment());
        } catch (RuntimeException e) {
            return Availability.unavailable("redis-server did not start under libfaketime: " + e.getMessage());
        }
        try {
            long before = node.serverTimeMicros();
            clock.jump(Duration.ofHours(1));
            long after = node.serverTimeMicros();
            clock.reset();
            if (after - before < Duration.ofMinutes(59).toNanos() / 1000) {
                node.close();
                return Availability.unavailable("libfaketime did not move the clock of " + clock.binary());
            }
            return Availability.of(node);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }
}
