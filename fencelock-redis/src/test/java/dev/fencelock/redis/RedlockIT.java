package dev.fencelock.redis;

import static dev.fencelock.redis.DistributedLockIT.scriptCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.DistributedReadWriteLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockClient;
import dev.fencelock.LockLostException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.HeldLease;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.spi.LockKind;
import dev.fencelock.spi.OwnerTokens;
import dev.fencelock.spi.Renewal;
import dev.fencelock.testkit.LeakCheck;
import dev.fencelock.testkit.OutageCheck;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Redlock over five real, independent redis-server processes, some of them killed or frozen. */
class RedlockIT {
    private static final Duration NODE_TIMEOUT = Duration.ofMillis(100);
    /**
     * The node timeout of {@link #patientRedlock()}: appendfsync always may take longer than
     * {@link #NODE_TIMEOUT} on a busy machine.
     */
    private static final Duration PATIENT_NODE_TIMEOUT = Duration.ofSeconds(2);
    /** Lock+unlock rounds per median: enough that a few slow ones on a busy machine do not move it. */
    private static final int ROUNDS = 100;
    private final List<RedisServer> nodes = new ArrayList<>();
    private final List<LockEngine> clients = new ArrayList<>();

    @BeforeEach
    void startFiveMasters() {
        for (int i = 0; i < 5; i++) {
            nodes.add(RedisServer.builder().appendOnly(true).start());
        }
    }

    @AfterEach
    void stopThem() {
        try {
            for (LockEngine client : clients) {
                LeakCheck.awaitSettled(client, TestClients::channels);
                TestClients.awaitBacklogs(client);
                assertThat(client.leasesWatched()).as("leases still renewed").isZero();
                assertThat(client.namesInUse()).as("lock names still in use").isZero();
            }
            for (RedisServer node : nodes) {
                if (node.isRunning()) {
                    assertThat(TestClients.settledLockKeys(node)).as("lock keys left on %s", node).isEmpty();
                }
            }
        } finally {
            clients.forEach(LockEngine::close);
            nodes.forEach(RedisServer::close);
        }
    }

    private LockEngine redlock() {
        return redlock(Duration.ofMillis(300));
    }

    private LockEngine redlock(Duration commandTimeout) {
        return redlock(commandTimeout, NODE_TIMEOUT);
    }

    private LockEngine redlock(Duration commandTimeout, Duration nodeTimeout) {
        return redlock(options -> options.commandTimeout(commandTimeout).redlockNodeTimeout(nodeTimeout));
    }

    /**
     * A client for an acquisition tried once while masters are frozen or refuse: the majority it
     * needs is every master left, or nearly, each within the node timeout.
     */
    private LockEngine patientRedlock() {
        return redlock(Duration.ofSeconds(3), PATIENT_NODE_TIMEOUT);
    }

    private LockEngine redlock(UnaryOperator<RedisLockOptions.Builder> options) {
        LockEngine client = (LockEngine) RedisLocks.connect(options.apply(RedisLockOptions.redlock(
                        nodes.stream().map(RedisServer::uri).toList())
                .commandTimeout(Duration.ofMillis(300))
                .redlockNodeTimeout(NODE_TIMEOUT))
                .build());
        clients.add(client);
        return client;
    }

    /**
     * A lock of {@code client}, taken and released once: every master has loaded the scripts, and
     * nothing of that round is still on its way (the release is judged at the quorum, the other
     * masters' replies may still be).
     */
    private static DistributedLock warmedUp(LockEngine client, String name) {
        DistributedLock lock = client.lock(name);
        lock.acquire(Duration.ZERO).close();
        TestClients.awaitBacklogs(client);
        return lock;
    }

    private long nodesHolding(String name) {
        return nodes.stream().filter(RedisServer::isRunning)
                .filter(node -> ((Long) node.call("EXISTS", "fencelock:{" + name + "}")) == 1).count();
    }

    @Test
    void aLockIsGrantedByAllMastersAndReleasedOnAll() {
        DistributedLock lock = redlock().lock("five");
        try (Lease lease = lock.acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(10)))) {
            assertThat(nodesHolding("five")).isEqualTo(5);
            assertThat(lease.remaining()).as("validity: the lease less elapsed time and drift (0.01 x 10 s + 2 ms)")
                    .isLessThanOrEqualTo(Duration.ofMillis(9_898));
            assertThat(redlock().lock("five").tryAcquire()).isEmpty();
        }
        assertThat(nodesHolding("five")).isZero();
    }

    @Test
    void aWritersReleaseWakesTheReaderWaitingForItThroughItsSubscriptionOnEveryMaster() throws Exception {
        // A reader does not queue: only its subscriptions, counted on each master, make the writer's
        // release announce itself there before the reader's own retry timer (9 s away: three command
        // timeouts must fit in the default lease).
        Lease writer = redlock().readWriteLock("rw").writeLock().acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(60)));
        LockEngine patient = redlock(Duration.ofSeconds(9));
        CompletableFuture<Lease> reader = patient.readWriteLock("rw").readLock()
                .acquireAsync(Duration.ofSeconds(30), LeaseOptions.renewing(Duration.ofSeconds(60)));
        for (RedisServer node : nodes) {
            DistributedLockIT.awaitSubscribers(node, "fencelock:{rw}:released", 1);
            node.resetStats();
        }

        writer.close();

        try (Lease read = reader.get(4, TimeUnit.SECONDS)) {
            // Once at least: the reader, woken by the first master's announcement, may try before the
            // release has reached every master, be granted by a minority only, and give those grants
            // back, which announces again where they were the last reader.
            for (RedisServer node : nodes) {
                assertThat(node.commandCalls().get("publish")).as("the writer's release, announced on %s", node)
                        .isGreaterThanOrEqualTo(1L);
            }
        }
    }

    @Test
    void aFixedLeaseThatTheClockDriftAllowanceUsesUpIsRefusedNamingIt() {
        DistributedLock lock = redlock().lock("short");
        // 2 ms less the allowance of 1 % and 2 ms: nothing left, so every grant would come too late.
        assertThatThrownBy(() -> lock.acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofMillis(2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease (PT0.002S) leaves no time");
        try (Lease lease = lock.acquire(Duration.ZERO, LeaseOptions.fixed(Duration.ofSeconds(5)))) {
            assertThatThrownBy(() -> lease.extend(Duration.ofMillis(2))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("clock-drift allowance");
            assertThat(lease.isValid()).as("the lease, after the refused extension").isTrue();
        }
    }

    @Test
    void aFairLockIsRefusedForWantOfOneArrivalOrder() {
        assertThatThrownBy(() -> redlock().fairLock("fair"))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("fair lock is not supported on Redis at");
    }

    @Test
    void aSemaphoreIsRefusedForWantOfOneCountOfHolders() {
        assertThatThrownBy(() -> redlock().semaphore("permits", 3))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("semaphore is not supported on Redis at");
    }

    @Test
    void readersShareTheLockOnEveryMasterAndAWriterWaitsForThem() {
        DistributedReadWriteLock first = redlock().readWriteLock("shared");
        DistributedReadWriteLock second = redlock().readWriteLock("shared");
        nodes.get(4).kill();
        try (Lease a = first.readLock().acquire(Duration.ZERO); Lease b = second.readLock().acquire(Duration.ZERO)) {
            assertThat(nodes.stream().filter(RedisServer::isRunning)
                    .filter(node -> (Long) node.call("ZCARD", "fencelock:{shared}:readers") == 2).count())
                    .as("masters holding both readers").isEqualTo(4);
            assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());
            assertThat(second.writeLock().tryAcquire()).as("a writer beside the readers").isEmpty();
        }
        try (Lease writer = second.writeLock().acquire(Duration.ofSeconds(5))) {
            assertThat(first.readLock().tryAcquire()).as("a reader beside the writer").isEmpty();
        }
    }

    @Test
    void twoKilledMastersDoNotStopIt() {
        DistributedLock lock = redlock().lock("two-down");
        nodes.get(0).kill();
        nodes.get(3).kill();
        try (Lease lease = lock.acquire(Duration.ofSeconds(5))) {
            assertThat(nodesHolding("two-down")).isEqualTo(3);
            assertThat(lease.isValid()).isTrue();
        }
    }

    @Test
    void threeKilledMastersMakeItUnavailableWithinTheWait() {
        DistributedLock lock = redlock().lock("three-down");
        nodes.get(0).kill();
        nodes.get(2).kill();
        nodes.get(4).kill();
        Duration maxWait = Duration.ofSeconds(2);
        long start = System.nanoTime();
        assertThatThrownBy(() -> lock.acquire(maxWait))
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("too little of Redis at redlock(");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("gave up at the end of the wait")
                .isLessThan(maxWait.plusSeconds(2));
    }

    /** How a master stops answering. */
    enum Outage {
        /** Killed: a master known to be down, whose calls fail at once. */
        KILLED,
        /** Frozen (SIGSTOP): its calls time out once, then it is not waited for. */
        FROZEN
    }

    @ParameterizedTest
    @EnumSource(Outage.class)
    void lockWaitsForAHolderWithoutEndButGivesUpOnAMajorityDownAfterTheOutageAllowance(Outage outage) throws Exception {
        LockEngine client = redlock(options -> options.outageAllowance(Duration.ofSeconds(1)));
        DistributedLock lock = warmedUp(client, "outage");
        List<RedisServer> majority = List.of(nodes.get(0), nodes.get(2), nodes.get(4));
        majority.forEach(outage == Outage.KILLED ? RedisServer::kill : RedisServer::pause);
        try {
            OutageCheck.assertLockGivesUpAfter(lock, Duration.ofSeconds(1));
        } finally {
            if (outage == Outage.FROZEN) {
                majority.forEach(RedisServer::resume);
                // The attempts queued on the frozen masters run now; their grants are given back.
                TestClients.awaitBacklogs(client);
            }
        }
    }

    @Test
    void connectingWaitsForTheMastersThatDoNotAnswerAllAtOnceNotOneAfterAnother() {
        nodes.get(1).pause();
        nodes.get(3).pause();
        try {
            Duration connectTimeout = Duration.ofSeconds(2);
            long start = System.nanoTime();
            LockEngine client = redlock(options -> options.connectTimeout(connectTimeout));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            // One after another, the two frozen masters would take a connect timeout each.
            assertThat(took).as("connecting with two masters frozen").isLessThan(connectTimeout.multipliedBy(2));
            assertThat(TestClients.store(client).servers().nodes()).as("the masters that answered").hasSize(3);
        } finally {
            nodes.get(1).resume();
            nodes.get(3).resume();
        }
    }

    @Test
    void mastersDownAtCreationAreUsedOnceTheyComeBack() throws Exception {
        // Used before they went down, as masters in production are: the restart marker written
        // then shows that they come back with every write (RedlockRestartIT), so they are not held back.
        redlock();
        nodes.get(0).kill();
        nodes.get(1).kill();
        LockEngine client = redlock();
        nodes.get(0).restart();
        nodes.get(1).restart();
        LockServers servers = TestClients.store(client).servers();
        Poll.until("the two masters rejoined", Duration.ofSeconds(10), () -> servers.nodes().size() == 5);
        // Two of the masters reached at creation go: only the rejoined ones make a majority.
        nodes.get(2).kill();
        nodes.get(3).kill();
        try (Lease lease = client.lock("rejoined").acquire(Duration.ofSeconds(5))) {
            assertThat(nodesHolding("rejoined")).as("masters holding the lock: the two rejoined and the one left").isEqualTo(3);
        }
    }

    @Test
    void mastersDownAtCreationCountAsFailedSoThatAMajorityDownIsAnOutageNotARefusal() throws Exception {
        nodes.get(0).kill();
        LockEngine client = redlock(options -> options.outageAllowance(Duration.ofSeconds(1)));
        // With the master absent since creation, three of five are down: the two left grant, which wins nothing.
        nodes.get(1).kill();
        nodes.get(2).kill();
        DistributedLock lock = client.lock("absent");

        assertThatThrownBy(() -> lock.acquire(Duration.ofSeconds(2))).as("acquiring with three of five masters down")
                .isInstanceOf(LockUnavailableException.class);
        assertThatThrownBy(lock::isLocked).as("asking whether it is locked with three of five masters down")
                .isInstanceOf(LockUnavailableException.class);
        OutageCheck.assertLockGivesUpAfter(lock, Duration.ofSeconds(1));
    }

    @Test
    void aFrozenMasterDoesNotStallAcquisition() {
        DistributedLock lock = warmedUp(patientRedlock(), "frozen");
        nodes.get(1).pause();
        try {
            long start = System.nanoTime();
            Lease lease = lock.acquire(Duration.ZERO);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // Waiting for the frozen master would hold the call for the node timeout, and without
            // one for the command timeout.
            assertThat(took).as("acquired without waiting for the frozen master").isLessThan(PATIENT_NODE_TIMEOUT.dividedBy(2));
            lease.close();
        } finally {
            nodes.get(1).resume();
        }
        // The frozen master executes the queued acquire when thawed; the release cleaned up the rest.
        nodes.get(1).call("DEL", "fencelock:{frozen}");
    }

    @Test
    void aMinorityGrantIsReleasedEverywhere() throws Exception {
        LockClient client = redlock();
        // Another owner holds the lock on three masters: we can win at most two.
        for (int i = 0; i < 3; i++) {
            nodes.get(i).call("SET", "fencelock:{split}", "someone-else", "PX", "60000");
        }
        assertThat(client.lock("split").tryAcquire()).isEmpty();
        // Refused once three masters refused: a grant from the other two may arrive after that.
        Poll.until("partial grant cleaned up", Duration.ofSeconds(5), () -> nodesHolding("split") == 3);
        for (int i = 0; i < 3; i++) {
            assertThat(nodes.get(i).call("GET", "fencelock:{split}")).as("the other owner's keys are untouched").isEqualTo("someone-else");
            nodes.get(i).call("DEL", "fencelock:{split}");
        }
    }

    /**
     * A master that timed out once is not waited for by acquisitions; but a release whose majority
     * needs it must wait for its answer, or report an outage for a release that is on its way.
     */
    @Test
    void aReleaseWaitsForAMasterThatTimedOutOnceWhenTheLeasesMajorityNeedsIt() throws Exception {
        List<RedisServer> foreign = nodes.subList(3, 5);
        foreign.forEach(master -> master.call("SET", "fencelock:{needed}", "someone-else", "PX", "60000"));
        LockEngine client = redlock(Duration.ofSeconds(5), NODE_TIMEOUT);
        Lease lease = client.lock("needed").acquire(Duration.ofSeconds(5), LeaseOptions.fixed(Duration.ofMinutes(1)));
        assertThat(nodesHolding("needed")).as("masters holding the lock: three, two of them foreign").isEqualTo(5);
        RedisServer needed = nodes.get(2);
        needed.pause();
        CompletableFuture<ReleaseOutcome> released;
        try {
            // Its node timeout passes after this try: from then on it is silent, until it answers a call.
            assertThat(client.lock("other").tryAcquire()).as("another lock, granted by the four that answer").isPresent()
                    .get().satisfies(Lease::close);
            RedisNode node = TestClients.nodeOf(client, needed);
            Poll.until("the frozen master silent", Duration.ofSeconds(5), () -> !node.isAnswering());
            released = CompletableFuture.supplyAsync(lease::release);
            // Two masters released it, two hold another owner's key: without the third, no verdict.
            Poll.throughout(Duration.ofMillis(500), () -> assertThat(released).as("the release, waiting").isNotDone());
        } finally {
            needed.resume();
        }
        assertThat(released.get(10, TimeUnit.SECONDS)).isEqualTo(ReleaseOutcome.RELEASED);
        foreign.forEach(master -> master.call("DEL", "fencelock:{needed}"));
    }

    /**
     * Every master that answers refuses, and a frozen one, not waited for, grants when it thaws. Its
     * cleanup must already be on its way then: a client closed at once (a command-line run, a
     * scheduled job) would never send it, and the key would hold the lock for a whole lease.
     */
    @Test
    void aGrantThatAFrozenMasterMakesAfterTheClientClosedIsReleasedThere() throws Exception {
        List<RedisServer> refusing = nodes.subList(0, 4);
        refusing.forEach(master -> master.call("SET", "fencelock:{closed-early}", "someone-else", "PX", "60000"));
        RedisServer frozen = nodes.get(4);
        // Its late answer, which would send the cleanup, comes a node timeout after the refusal: after the close.
        LockEngine client = (LockEngine) RedisLocks.connect(RedisLockOptions.redlock(nodes.stream().map(RedisServer::uri).toList())
                .commandTimeout(Duration.ofSeconds(3)).redlockNodeTimeout(Duration.ofSeconds(2)).build());
        frozen.pause();
        try {
            assertThat(client.lock("closed-early").tryAcquire()).as("the attempt, refused by the four that answer").isEmpty();
        } finally {
            client.close();
            frozen.resume();
        }
        // The grant mints a token: once the counter is there, the thawed master has run the acquire,
        // and whatever was queued behind it on the same connection.
        Poll.until("the queued acquire run on the thawed master", Duration.ofSeconds(5),
                () -> (Long) frozen.call("EXISTS", "fencelock:{closed-early}:fence") == 1);
        assertThat(frozen.call("GET", "fencelock:{closed-early}")).as("the lock key on the thawed master").isNull();
        refusing.forEach(master -> master.call("DEL", "fencelock:{closed-early}"));
    }

    /**
     * A minority's stale owner is not the lock's holder: a release naming it deletes nothing, and one
     * naming the majority's holder leaves the minority's key.
     */
    @Test
    void aReleaseNamingAHolderNamesTheMajoritysAndDeletesItsKeysAlone() throws Exception {
        LockClient client = redlock();
        Lease lease = client.lock("named").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        String stale = OwnerTokens.PREFIX + "0123456789abcdef0123456789abcdef";
        nodes.get(0).call("SET", "fencelock:{named}", stale, "PX", "30000");

        assertThat(client.admin().forceRelease("named", "01234567")).as("the minority's owner, named").isEmpty();
        assertThat(nodesHolding("named")).as("masters with a key: nothing deleted").isEqualTo(5);

        String holder = client.admin().inspect("named").holder().orElseThrow();
        assertThat(client.admin().forceRelease("named", holder)).isPresent();
        assertThat(nodesHolding("named")).as("masters with a key after the release: the minority's alone").isEqualTo(1);
        assertThat(nodes.get(0).call("GET", "fencelock:{named}")).as("the minority's owner, left").isEqualTo(stale);
        assertThat(lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.KEY_GONE);
        lease.close();
        nodes.get(0).call("DEL", "fencelock:{named}");
    }

    @Test
    void theLeaseIsRenewedWhileAMajorityConfirmsAndLostWhenItCannot() throws Exception {
        // Renewed every 0.66 s, each confirmation due within 1.3 s: six renewals, with margin for a loaded machine.
        Duration leaseTime = Duration.ofSeconds(2);
        Lease lease = redlock().lock("renewed").acquire(Duration.ZERO, LeaseOptions.renewing(leaseTime));
        nodes.get(0).kill();
        nodes.get(1).kill();
        Poll.throughout(leaseTime.multipliedBy(2), () -> assertThat(lease.isValid()).as("held by 3 of 5").isTrue());
        // Two confirm, one denies, two are silent: no majority confirms, and none denies, so the
        // lease runs out on the local clock.
        nodes.get(2).call("DEL", "fencelock:{renewed}");
        assertThat(lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.EXPIRED);
        lease.close();
    }

    @Test
    void aMajorityDenyingTheRenewalReportsTheKeyGone() throws Exception {
        // A 2 s lease: the renewal the majority denies has 1.3 s to be answered before the lease runs out (EXPIRED).
        Lease lease = redlock().lock("denied").acquire(Duration.ZERO, LeaseOptions.renewing(Duration.ofSeconds(2)));
        for (int i = 0; i < 3; i++) {
            nodes.get(i).call("DEL", "fencelock:{denied}");
        }
        assertThat(lease.lost().toCompletableFuture().get(10, TimeUnit.SECONDS).reason())
                .isEqualTo(LockLostException.Reason.KEY_GONE);
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
    }

    @Test
    void theTokenOfAMasterAheadIsWrittenBackToAMajority() {
        long dayAhead = (System.currentTimeMillis() + 86_400_000L) * 1_000;
        nodes.get(0).call("SET", "fencelock:{ahead}:fence", Long.toString(dayAhead), "PX", "90000000");
        DistributedLock lock = patientRedlock().lock("ahead");

        long token;
        // Two others frozen, so that the master ahead is in the majority that decides.
        nodes.get(1).pause();
        nodes.get(2).pause();
        try (Lease lease = lock.acquire(Duration.ZERO)) {
            token = lease.fencingToken();
            nodes.get(1).resume();
            nodes.get(2).resume();
            assertThat(token).isEqualTo(dayAhead + 1);
            long raised = nodes.stream()
                    .filter(node -> fenceOf(node, "fencelock:{ahead}:fence") >= token).count();
            assertThat(raised).as("masters whose counter stands at the token").isGreaterThanOrEqualTo(3);
        }

        nodes.get(0).kill();
        try (Lease next = lock.acquire(Duration.ofSeconds(2))) {
            assertThat(next.fencingToken()).as("token minted without the master that was ahead").isGreaterThan(token);
        }
    }

    @Test
    void tokensStayMonotonicWhenAGrantingMasterRestartsWithoutPersistence() throws Exception {
        List<RedisServer> masters = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                masters.add(RedisServer.start()); // no persistence: a restart loses every key
            }
            // No quarantine: the restarted master votes at once, as when its operators ignore the
            // delayed-restart rule (RedlockRestartIT), and the token must still increase.
            LockEngine client = (LockEngine) RedisLocks.connect(RedisLockOptions.redlock(
                    masters.stream().map(RedisServer::uri).toList()).commandTimeout(Duration.ofMillis(300))
                    .redlockRestartQuarantine(Duration.ZERO).build());
            clients.add(client);
            DistributedLock lock = client.lock("restarts");
            long hourAhead = (System.currentTimeMillis() + 3_600_000L) * 1_000;
            // Master 0's clock is an hour ahead, so its tokens are; master 2 does not grant (a stale holder).
            masters.get(0).call("SET", "fencelock:{restarts}:fence", Long.toString(hourAhead), "PX", "90000000");
            masters.get(2).call("SET", "fencelock:{restarts}", "stale-holder", "PX", "60000");

            long token;
            try (Lease lease = lock.acquire(Duration.ZERO)) {
                token = lease.fencingToken();
                assertThat(token).as("minted by the master ahead").isEqualTo(hourAhead + 1);
            }
            // The grant is judged at the quorum, so the write-back may still be on its way to one of them.
            for (RedisServer master : masters.subList(1, 3)) {
                Poll.until("the token written back to " + master.uri(), Duration.ofSeconds(5),
                        () -> fenceOf(master, "fencelock:{restarts}:fence") >= token);
            }
            masters.get(2).call("DEL", "fencelock:{restarts}");
            // The master ahead loses everything, its clock with it. The majority that kept its data
            // (one master that granted, one that did not) holds the token only through the
            // write-back, and every later majority shares a master with it: without the write-back,
            // the next token would be minted from the present.
            masters.get(0).kill();
            masters.get(0).restart();

            try (Lease next = lock.acquire(Duration.ofSeconds(5))) {
                assertThat(next.fencingToken()).as("the token after the master ahead lost its data").isGreaterThan(token);
            }
        } finally {
            masters.forEach(RedisServer::close);
        }
    }

    @Test
    void aTokenMintedByAMajorityIsHandedOutWithoutTheWriteBackAndTheOthersAreRaisedBehindIt() throws Exception {
        LockEngine client = patientRedlock();
        DistributedLock lock = warmedUp(client, "agreed");
        String fence = "fencelock:{agreed}:fence";
        long ahead = aheadOfEveryClock(fence);
        for (RedisServer master : nodes.subList(0, 3)) {
            master.call("SET", fence, Long.toString(ahead), "PX", "600000");
            master.resetStats();
        }
        // The two others refuse (a stale holder), so that the three that agree decide.
        for (RedisServer master : nodes.subList(3, 5)) {
            master.call("SET", "fencelock:{agreed}", "stale-holder", "PX", "60000");
        }
        try (Lease lease = lock.acquire(Duration.ZERO)) {
            assertThat(lease.fencingToken()).as("the token the majority minted").isEqualTo(ahead + 1);
            for (RedisServer master : nodes.subList(3, 5)) {
                Poll.until("the counter of " + master.uri() + " raised to the token", Duration.ofSeconds(5),
                        () -> fenceOf(master, fence) == ahead + 1);
            }
            for (RedisServer master : nodes.subList(0, 3)) {
                assertThat(scriptCalls(master)).as("scripts run on %s: the acquire, no write-back", master).isEqualTo(1);
            }
        } finally {
            nodes.subList(3, 5).forEach(master -> master.call("DEL", "fencelock:{agreed}"));
        }
    }

    @Test
    void aMasterAnsweringAfterTheDecisionHasItsCounterRaisedToTheTokenHandedOut() throws Exception {
        DistributedLock lock = warmedUp(patientRedlock(), "late");
        String fence = "fencelock:{late}:fence";
        long ahead = aheadOfEveryClock(fence);
        for (RedisServer master : nodes.subList(0, 3)) {
            master.call("SET", fence, Long.toString(ahead), "PX", "600000");
        }
        // Master 3 refuses, so that the three that agree decide; master 4 answers after them.
        nodes.get(3).call("SET", "fencelock:{late}", "stale-holder", "PX", "60000");
        nodes.get(4).pause();
        try (Lease lease = lock.acquire(Duration.ZERO)) {
            assertThat(lease.fencingToken()).isEqualTo(ahead + 1);
            nodes.get(4).resume();
            // Thawed, it runs the acquire it missed, and mints from its own clock, below the token.
            Poll.until("the late master's counter raised to the token", Duration.ofSeconds(5),
                    () -> fenceOf(nodes.get(4), fence) == ahead + 1);
        } finally {
            nodes.get(4).resume();
            nodes.get(3).call("DEL", "fencelock:{late}");
        }
    }

    @Test
    void aWaitingAcquisitionThatEveryMasterGrantsSendsNoQueueRemovalOfItsOwn() throws Exception {
        // A master slower than the node timeout would be told to take the client off, rightly: none is.
        LockEngine client = redlock(Duration.ofSeconds(5), Duration.ofSeconds(2));
        DistributedLock lock = warmedUp(client, "unqueued");
        nodes.forEach(RedisServer::resetStats);
        int rounds = 10;
        for (int i = 0; i < rounds; i++) {
            lock.acquire(Duration.ofSeconds(5)).close();
        }
        TestClients.awaitBacklogs(client);
        for (RedisServer master : nodes) {
            // acquire.lua takes a waiting client off the queue where it grants: two ZREMs inside the
            // script, and nothing more, although three grants decide and two are still on their way.
            assertThat(master.commandCalls().getOrDefault("zrem", 0L)).as("ZREMs on %s", master)
                    .isEqualTo(2L * rounds);
        }
    }

    /** How a master's answer to an acquisition comes after the decision. */
    enum LateAnswer {
        /** The refusal itself, once the master is thawed. */
        REFUSAL,
        /** The node timeout first, which may hide a refusal; the master queues the client when thawed. */
        TIMEOUT
    }

    @ParameterizedTest
    @EnumSource(LateAnswer.class)
    void aMasterThatQueuedTheClientAfterTheDecisionIsToldToTakeItOff(LateAnswer answer) throws Exception {
        LockEngine client = redlock();
        DistributedLock lock = warmedUp(client, "queued-late");
        RedisServer late = nodes.get(4);
        late.call("SET", "fencelock:{queued-late}", "stale-holder", "PX", "60000");
        late.resetStats();
        late.pause();
        try (Lease lease = lock.acquire(Duration.ofSeconds(5))) {
            if (answer == LateAnswer.TIMEOUT) {
                Poll.until("the frozen master's acquire timed out", Duration.ofSeconds(5),
                        () -> TestClients.store(client).servers().nodes().stream().anyMatch(node -> !node.isAnswering()));
            }
            late.resume();
            // Thawed, it runs the acquire it missed; the stale holder refuses it, and it queues the client.
            TestClients.awaitBacklogs(client);
            TestClients.awaitBacklogs(client); // the removal, sent as the refusal (or its timeout) arrived
            assertThat(late.commandCalls().get("evalsha")).as("scripts run on the late master").isPositive();
            assertThat(late.call("EXISTS", "fencelock:{queued-late}:waiters", "fencelock:{queued-late}:waiter-deadlines"))
                    .as("the client's queue entry and deadline on the late master").isEqualTo(0L);
        } finally {
            late.resume();
            late.call("DEL", "fencelock:{queued-late}");
        }
    }

    @Test
    void mastersThatRefusedAWonAcquisitionBeforeTheDecisionAreToldToTakeTheClientOff() throws Exception {
        // The frozen master must grant, not time out: it is thawed long before the node timeout.
        LockEngine client = redlock(Duration.ofSeconds(5), Duration.ofSeconds(2));
        DistributedLock lock = warmedUp(client, "queued-early");
        List<RedisServer> refusing = nodes.subList(3, 5);
        refusing.forEach(master -> master.call("SET", "fencelock:{queued-early}", "stale-holder", "PX", "60000"));
        RedisServer deciding = nodes.get(2);
        CompletableFuture<Lease> acquired;
        deciding.pause();
        try {
            acquired = lock.acquireAsync(Duration.ofSeconds(5));
            // Two grants and two refusals, which queue the client: the frozen master's grant decides.
            Poll.until("the refusing masters queued the client", Duration.ofSeconds(5), () -> refusing.stream()
                    .allMatch(master -> master.call("ZCARD", "fencelock:{queued-early}:waiters").equals(1L)));
        } finally {
            deciding.resume();
        }
        try (Lease lease = acquired.get(5, TimeUnit.SECONDS)) {
            TestClients.awaitBacklogs(client);
            for (RedisServer master : refusing) {
                assertThat(master.call("EXISTS", "fencelock:{queued-early}:waiters", "fencelock:{queued-early}:waiter-deadlines"))
                        .as("the client's queue entry and deadline on %s, which refused", master).isEqualTo(0L);
            }
        } finally {
            refusing.forEach(master -> master.call("DEL", "fencelock:{queued-early}"));
        }
    }

    @Test
    void redlockTokensAreSeededFromTheServersClocksInStepsSoThatMastersCanAgree() {
        long stepMicros = TimeUnit.NANOSECONDS.toMicros(LockServers.REDLOCK_TOKEN_CLOCK_STEP.toNanos());
        LockEngine client = redlock();
        try (Lease lease = client.lock("stepped").acquire(Duration.ZERO)) {
            assertThat(lease.fencingToken() % stepMicros).as("a fresh lock's token, a multiple of the step").isZero();
        }
        try (Lease reader = client.readWriteLock("stepped-read").readLock().acquire(Duration.ZERO)) {
            assertThat(reader.fencingToken() % stepMicros).as("a fresh read lock's token").isZero();
        }
        // A restarted master stays out one step beyond the longest lease: the step must stay the smaller wait.
        assertThat(LockServers.REDLOCK_TOKEN_CLOCK_STEP).isLessThan(LeaseOptions.MIN_LEASE);
    }

    /** A fence counter value above the token any master's clock would mint for the next hour. */
    private long aheadOfEveryClock(String fence) {
        long highest = nodes.stream().mapToLong(master -> fenceOf(master, fence)).max().orElseThrow();
        return Math.max(highest, (System.currentTimeMillis() + 3_600_000L) * 1_000);
    }

    private static long fenceOf(RedisServer master, String fence) {
        Object value = master.call("GET", fence);
        return value == null ? 0 : Long.parseLong(String.valueOf(value));
    }

    @Test
    void aWatchOfSeveralMastersGivesOneFutureUntilAReleaseSoThatRetriesAddNothing() throws Exception {
        LockEngine client = redlock();
        LockServers servers = TestClients.store(client).servers();
        LockServers.Subscription watch = servers.subscribe("fencelock:{watched}:released", null).get(10, TimeUnit.SECONDS);
        try {
            CompletableFuture<Void> first = watch.nextRelease();
            int dependents = servers.releaseWaitDependents();
            for (int i = 0; i < 1000; i++) {
                assertThat(watch.nextRelease()).as("the next release, asked for before try %d", i).isSameAs(first);
            }
            assertThat(servers.releaseWaitDependents()).as("dependents on the masters' next releases").isEqualTo(dependents);

            nodes.get(2).call("PUBLISH", "fencelock:{watched}:released", "");
            first.get(10, TimeUnit.SECONDS);
            assertThat(watch.nextRelease()).as("after a release, the one after it").isNotSameAs(first);
        } finally {
            watch.close();
        }
    }

    @Test
    void aSplitVoteBesideAFrozenMasterWaitsForItOnlyUntilItMissesOneDeadline() throws Exception {
        Duration nodeTimeout = Duration.ofSeconds(2);
        LockEngine client = (LockEngine) RedisLocks.connect(RedisLockOptions.redlock(nodes.stream().map(RedisServer::uri).toList())
                .commandTimeout(Duration.ofSeconds(3)).redlockNodeTimeout(nodeTimeout).build());
        clients.add(client);
        DistributedLock lock = client.lock("tied");
        // Two masters grant, two refuse (another client's key), and the fifth, frozen, would decide.
        for (RedisServer other : nodes.subList(2, 4)) {
            other.call("SET", "fencelock:{tied}", "fl-another-client", "PX", "60000");
        }
        nodes.get(4).pause();
        try {
            assertThat(lock.tryAcquire()).as("the first attempt, which waits out the frozen master").isEmpty();
            long start = System.nanoTime();
            assertThat(lock.tryAcquire()).as("the next attempt").isEmpty();
            Duration next = Duration.ofNanos(System.nanoTime() - start);
            assertThat(next).as("the next attempt, decided by the four that answer").isLessThan(nodeTimeout.dividedBy(2));
        } finally {
            nodes.get(4).resume();
        }
        // Back, the master counts again: with two others down, no grant is possible without it.
        for (RedisServer other : nodes.subList(2, 4)) {
            other.call("DEL", "fencelock:{tied}");
        }
        nodes.get(0).kill();
        nodes.get(1).kill();
        try (Lease lease = lock.acquire(Duration.ofSeconds(10))) {
            assertThat(nodesHolding("tied")).as("masters holding the lock: the three alive").isEqualTo(3);
        }
    }

    @Test
    void aFrozenMinorityDoesNotDelayTheRenewalsThatAMajorityConfirms() throws Exception {
        LockEngine client = redlock(Duration.ofMillis(1900));
        Duration leaseTime = Duration.ofSeconds(6);
        Lease lease = client.lock("frozen-minority").acquire(Duration.ZERO, LeaseOptions.renewing(leaseTime));
        nodes.get(0).pause();
        nodes.get(1).pause();
        try {
            // Renewed at a third of the lease and confirmed by the majority at once, the lease keeps
            // two thirds of its validity (about 4 s); a renewal that waited for the frozen masters'
            // command timeout (1.9 s) would let it fall to about 2 s. The bound is a second from either.
            Poll.throughout(leaseTime, () -> assertThat(lease.remaining())
                    .as("validity left while two of five masters are frozen").isGreaterThan(leaseTime.dividedBy(2)));
        } finally {
            nodes.get(0).resume();
            nodes.get(1).resume();
        }
        lease.close();
    }

    @Test
    void fencingTokensIncreaseAcross1000AcquisitionsWhileMastersAreKilledAndRestarted() throws Exception {
        LockEngine client = redlock();
        DistributedLock lock = client.lock("tokens");
        Random random = new Random(42);
        long previous = 0;
        int acquired = 0;
        for (int i = 0; i < 1000; i++) {
            if (i % 50 == 25) {
                // Crash one master and bring it back with its append-only file. The release before
                // was decided by a majority, so it may still be on its way to this master: killed
                // first, the master would keep the key until its lease ran out.
                RedisServer node = nodes.get(random.nextInt(nodes.size()));
                Poll.until("the last release on " + node, Duration.ofSeconds(5), () -> TestClients.lockKeys(node).isEmpty());
                node.kill();
                node.restart();
            }
            if (i % 100 == 50) {
                // Skew one master's token seed: its clock says it is a day ahead.
                nodes.get(random.nextInt(nodes.size())).call("SET", "fencelock:{tokens}:fence",
                        Long.toString(previous + 86_400_000_000L), "PX", "90000000");
            }
            try (Lease lease = lock.acquire(Duration.ofSeconds(5))) {
                assertThat(lease.fencingToken()).as("token of acquisition %d (seed %d)", i, 42).isGreaterThan(previous);
                previous = lease.fencingToken();
                acquired++;
            }
        }
        assertThat(acquired).isEqualTo(1000);
    }

    /** How a minority of two of the five masters fails: killed (connection refused), or frozen (no answer). */
    enum MinorityFault {
        KILLED, FROZEN, ONE_KILLED_ONE_FROZEN;

        void apply(RedisServer first, RedisServer second) {
            if (this == FROZEN) {
                first.pause();
            } else {
                first.kill();
            }
            if (this == KILLED) {
                second.kill();
            } else {
                second.pause();
            }
        }
    }

    /**
     * The bound is 3× the healthy medians measured a moment before on the same machine, so that it
     * holds on a loaded CI machine, and still fails by far when a round waits for a failed master:
     * then an acquisition pays the node timeout (100 ms), and a release or a renewal the command
     * timeout (1 s), against about a millisecond healthy. Medians, so that a scheduling hiccup does
     * not decide.
     */
    @ParameterizedTest
    @EnumSource(MinorityFault.class)
    void aFailedMinorityCostsAtMostThreeTimesTheHealthyMedians(MinorityFault fault) throws Exception {
        LockEngine client = redlock(Duration.ofSeconds(1));
        DistributedLock lock = client.lock("minority-down");
        measure(lock, ROUNDS); // warms up the JIT and the connections
        renewalMedian(client, ROUNDS);
        Medians healthy = measure(lock, ROUNDS);
        Duration healthyRenewal = renewalMedian(client, ROUNDS);
        fault.apply(nodes.get(1), nodes.get(3));
        try {
            Medians faulty = measure(lock, ROUNDS);
            Duration faultyRenewal = renewalMedian(client, ROUNDS);
            System.out.printf("Redlock(5) medians (acquire, release; renewal): healthy %s, %s; two masters %s %s, %s%n",
                    healthy, healthyRenewal, fault, faulty, faultyRenewal);
            assertThat(faulty.acquire()).as("acquisition median, two masters %s (healthy %s)", fault, healthy)
                    .isLessThanOrEqualTo(healthy.acquire().multipliedBy(3));
            assertThat(faulty.release()).as("release median, two masters %s (healthy %s)", fault, healthy)
                    .isLessThanOrEqualTo(healthy.release().multipliedBy(3));
            assertThat(faultyRenewal).as("renewal median, two masters %s (healthy %s)", fault, healthyRenewal)
                    .isLessThanOrEqualTo(healthyRenewal.multipliedBy(3));
        } finally {
            nodes.get(1).resume();
            nodes.get(3).resume();
        }
    }

    /**
     * Without failing fast, each of the three dead masters would hold the attempt for the node
     * timeout (100 ms) before the client could tell that no majority is left.
     */
    @Test
    void aMajorityKnownToBeDownIsReportedWithoutWaitingForTimeouts() {
        DistributedLock lock = redlock(Duration.ofSeconds(1)).lock("majority-down");
        measure(lock, ROUNDS);
        Duration healthy = measure(lock, ROUNDS).lockAndUnlock();
        nodes.get(0).kill();
        nodes.get(2).kill();
        nodes.get(4).kill();
        long[] refused = new long[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(lock::tryAcquire).isInstanceOf(LockUnavailableException.class);
            refused[i] = System.nanoTime() - start;
        }
        System.out.printf("Redlock(5): three masters down reported in %s at the median (healthy lock+unlock %s)%n",
                median(refused), healthy);
        assertThat(median(refused)).as("median time to report three of five masters down (healthy lock+unlock %s)", healthy)
                .isLessThanOrEqualTo(healthy.multipliedBy(3));
    }

    /**
     * A master killed while it holds a lease, and back with its append-only file: the release sent
     * while it was down failed at once (it did not hold up the release), and is sent again once
     * the client has reconnected, so the key does not outlive its release by a lease (a minute here).
     */
    @Test
    void aReleaseRefusedWhileAMasterIsDownIsDeliveredWhenItComesBack() throws Exception {
        LockEngine client = redlock();
        Lease lease = client.lock("came-back").acquire(Duration.ofSeconds(5), LeaseOptions.renewing(Duration.ofMinutes(1)));
        assertThat(nodesHolding("came-back")).isEqualTo(5);
        RedisServer master = nodes.get(2);
        master.kill();
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.RELEASED);
        RedisNode down = TestClients.store(client).servers().nodes().get(2);
        Poll.until("the release kept for the master that is down", Duration.ofSeconds(5), () -> down.undelivered() == 1);
        // Back with the key, from its append-only file.
        master.restart();
        Poll.until("the release delivered to the master that came back", Duration.ofSeconds(10),
                () -> (Long) master.call("EXISTS", "fencelock:{came-back}") == 0);
        assertThat(down.undelivered()).as("releases still kept").isZero();
    }

    /**
     * A master busy with a script that runs too long answers BUSY without running the release: it
     * is kept and sent again until the master is free, so the key does not outlive its release by
     * a lease (a minute here). LOADING, after a restart, is the same answer for the same reason.
     */
    @Test
    void aReleaseThatAMasterPutOffAsBusyIsDeliveredWhenItIsFree() throws Exception {
        LockEngine client = redlock();
        Lease lease = client.lock("busy").acquire(Duration.ofSeconds(5), LeaseOptions.renewing(Duration.ofMinutes(1)));
        RedisServer master = nodes.get(2);
        master.call("CONFIG", "SET", "lua-time-limit", "10");
        RedisClient spinner = RedisClient.create(master.uri());
        try (StatefulRedisConnection<String, String> connection = spinner.connect()) {
            connection.async().eval("while true do end", ScriptOutputType.STATUS);
            Poll.until("the master answering BUSY", Duration.ofSeconds(10), () -> isBusy(master));

            assertThat(lease.release()).as("by the other four").isEqualTo(ReleaseOutcome.RELEASED);
            RedisNode busy = TestClients.store(client).servers().nodes().get(2);
            Poll.until("the release kept for the busy master", Duration.ofSeconds(5), () -> busy.undelivered() == 1);

            master.call("SCRIPT", "KILL");
            // The script ends at the server's next look, which answers BUSY until then.
            Poll.until("the release delivered to the master once free", Duration.ofSeconds(10),
                    () -> !isBusy(master) && (Long) master.call("EXISTS", "fencelock:{busy}") == 0);
        } finally {
            spinner.shutdown();
        }
    }

    private static boolean isBusy(RedisServer server) {
        try {
            server.call("PING");
            return false;
        } catch (RedisServer.ReplyException busy) {
            return busy.getMessage().startsWith("BUSY");
        }
    }

    /** Median times of {@code rounds} acquisitions and of their releases, measured apart. */
    private record Medians(Duration acquire, Duration release) {
        Duration lockAndUnlock() {
            return acquire.plus(release);
        }
    }

    /**
     * The median time of {@code rounds} renewal calls of the store for one lease held on every
     * master that answers, each confirmed by a majority.
     */
    private static Duration renewalMedian(LockEngine client, int rounds) {
        RedisStore store = TestClients.store(client);
        HeldLease held = new HeldLease(LockKind.PLAIN, "renewed", OwnerTokens.PREFIX + System.nanoTime(), Duration.ofMinutes(1));
        assertThat(store.await(store.acquire(held.kind(), held.name(), held.owner(), held.lease(), false, null)))
                .as("the lease to renew").isInstanceOf(Attempt.Granted.class);
        long[] renewals = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            assertThat(store.await(store.renew(List.of(held)))).as("renewal %d", i).containsExactly(Renewal.RENEWED);
            renewals[i] = System.nanoTime() - start;
        }
        store.await(store.release(held.kind(), held.name(), held.owner(), false));
        return median(renewals);
    }

    private static Medians measure(DistributedLock lock, int rounds) {
        long[] acquire = new long[rounds];
        long[] release = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            // A round may miss the majority on a busy machine, when one of the three masters left
            // answers after the node timeout: it is then retried, as in use.
            Lease lease = lock.acquire(Duration.ofSeconds(5));
            long acquired = System.nanoTime();
            lease.close();
            release[i] = System.nanoTime() - acquired;
            acquire[i] = acquired - start;
        }
        return new Medians(median(acquire), median(release));
    }

    private static Duration median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return Duration.ofNanos(sorted[sorted.length / 2]);
    }

    @Test
    void redlockNeedsThreeDistinctMasters() {
        assertThatThrownBy(() -> RedisLockOptions.redlock(List.of("redis://a:1", "redis://b:1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Redlock needs at least 3 independent Redis masters, got 2");
        assertThatThrownBy(() -> RedisLockOptions.redlock(List.of("redis://a:1", "redis://b:1", "redis://a:1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be distinct");
    }
}
