package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The distlock description's delayed-restart rule, kept by the client: three real Redlock masters,
 * one of them restarted empty while a client holds a lock on a bare majority that includes it.
 */
class RedlockRestartIT {
    /** Long enough that the holder still believes it holds while the others reconnect on a busy machine. */
    private static final Duration LEASE = Duration.ofSeconds(9);
    private static final String NAME = "restarted";
    private static final String KEY = "fencelock:{" + NAME + "}";
    private final List<RedisServer> masters = new ArrayList<>();
    private final List<LockEngine> clients = new ArrayList<>();

    @AfterEach
    void stopThem() {
        clients.forEach(LockEngine::close);
        masters.forEach(RedisServer::close);
    }

    /** Three masters, the first append-only with every write synced when {@code firstKeepsEveryWrite}, else none persists anything. */
    private void startMasters(boolean firstKeepsEveryWrite) {
        masters.add(RedisServer.builder().appendOnly(firstKeepsEveryWrite).start());
        masters.add(RedisServer.start());
        masters.add(RedisServer.start());
    }

    /** A client of the masters with the default lease {@link #LEASE}; its quarantine {@code quarantine}, or the default when null. */
    private LockEngine client(Duration quarantine) {
        RedisLockOptions.Builder options = RedisLockOptions.redlock(masters.stream().map(RedisServer::uri).toList())
                .defaultLease(LEASE)
                // A reconnect's restart check must finish within one command timeout on a busy machine.
                .commandTimeout(Duration.ofSeconds(2))
                // With one master not voting, an acquisition tried once needs both others to grant
                // within the node timeout, which the default 50 ms may not leave on a busy machine.
                .redlockNodeTimeout(Duration.ofSeconds(1));
        if (quarantine != null) {
            options.redlockRestartQuarantine(quarantine);
        }
        LockEngine client = (LockEngine) RedisLocks.connect(options.build());
        clients.add(client);
        return client;
    }

    private long holding(RedisServer master) {
        return (Long) master.call("EXISTS", KEY);
    }

    /**
     * The holder takes the lock, for a fixed lease of {@link #LEASE}, on masters 0 and 1 alone
     * (master 2 holds a foreign owner's key, then lets go), and master 0 is killed and restarted
     * empty: the holder's lock is on a minority of keys now, and still valid for the holder.
     */
    private Lease holdOnABareMajorityThenRestartMasterZero(LockEngine holder) {
        masters.get(2).call("SET", KEY, "foreign-holder", "PX", "60000");
        Lease lease = holder.lock(NAME).acquire(Duration.ofSeconds(5), LeaseOptions.fixed(LEASE));
        assertThat(masters.stream().filter(master -> holding(master) == 1)).hasSize(3);
        masters.get(2).call("DEL", KEY);
        masters.get(0).kill();
        masters.get(0).restart();
        return lease;
    }

    @Test
    void aMasterRestartedEmptyGrantsNothingUntilTheLeasesItHeldHaveRunOut() throws Exception {
        startMasters(false);
        LockEngine holder = client(null);
        LockEngine competitor = client(null);
        competitor.lock(NAME).acquire(Duration.ZERO).close();
        assertThat(TestClients.store(competitor).servers().nodes()).allSatisfy(node -> assertThat(node.allowsGrants()).isTrue());
        Lease held = holdOnABareMajorityThenRestartMasterZero(holder);
        RedisNode restarted = TestClients.nodeOf(competitor, masters.get(0));
        Poll.until("the competitor saw master 0 restart", Duration.ofSeconds(5), () -> !restarted.allowsGrants());

        Optional<Lease> second = competitor.lock(NAME).tryAcquire();
        assertThat(held.isValid()).as("the holder still holds").isTrue();
        assertThat(second).as("master 0 does not vote, master 1 holds the holder's key: one grant of three").isEmpty();
        assertThat(holding(masters.get(0))).as("nothing granted on the restarted master").isZero();

        held.lost().toCompletableFuture().get(LEASE.toSeconds() + 5, TimeUnit.SECONDS);
        try (Lease next = competitor.lock(NAME).acquire(LEASE.plusSeconds(5))) {
            assertThat(next.fencingToken()).as("taken once the holder's lease ran out").isGreaterThan(held.fencingToken());
        }
    }

    @Test
    void withoutTheQuarantineARestartedMasterHandsALockHeldByABareMajorityToASecondClient() throws Exception {
        startMasters(false);
        LockEngine holder = client(Duration.ZERO);
        LockEngine competitor = client(Duration.ZERO);
        competitor.lock(NAME).acquire(Duration.ZERO).close();
        Lease held = holdOnABareMajorityThenRestartMasterZero(holder);

        Lease[] second = new Lease[1];
        Poll.until("the competitor took the lock on the restarted master", Duration.ofSeconds(5), () -> {
            second[0] = competitor.lock(NAME).tryAcquire().orElse(null);
            return second[0] != null;
        });
        // The distlock caveat that the quarantine prevents: two holders at once, told apart by fencing only.
        assertThat(held.isValid()).as("the first holder still holds").isTrue();
        assertThat(second[0].fencingToken()).isGreaterThan(held.fencingToken());
        second[0].close();
        // The first lease is left to its client's close: its release may find master 0 still reconnecting.
    }

    /**
     * A client of three masters, the first syncing every write to its append-only file, that has
     * used them all once (so that it saw their restart markers); then master 0 is killed.
     */
    private LockEngine usedThenMasterZeroKilled() {
        startMasters(true);
        LockEngine client = client(null);
        client.lock(NAME).acquire(Duration.ZERO).close();
        masters.get(0).kill();
        return client;
    }

    @Test
    void aMasterThatKeptEveryWriteIsUsedAtOnceAfterARestart() throws Exception {
        LockEngine client = usedThenMasterZeroKilled();
        RedisNode persistent = TestClients.nodeOf(client, masters.get(0));
        masters.get(0).restart();
        masters.get(1).kill();
        // Only the restarted master and master 2 are left: a grant needs the restarted one.
        try (Lease lease = client.lock(NAME).acquire(Duration.ofSeconds(5))) {
            assertThat(persistent.allowsGrants()).isTrue();
            assertThat(holding(masters.get(0))).as("granted by the restarted master").isEqualTo(1);
        }
    }

    @Test
    void aMasterWhoseAppendOnlyFileWasLostIsHeldBackThoughItSyncsEveryWrite() throws Exception {
        LockEngine client = usedThenMasterZeroKilled();
        RedisNode emptied = TestClients.nodeOf(client, masters.get(0));
        // As a container restarted without its volume: the same configuration, none of the data.
        try (Stream<Path> files = Files.list(masters.get(0).dir())) {
            for (Path data : files.filter(file -> file.getFileName().toString().startsWith("appendonly")).toList()) {
                deleteRecursively(data);
            }
        }
        masters.get(0).restart();
        Poll.until("the client saw master 0 restart empty", Duration.ofSeconds(5), () -> !emptied.allowsGrants());
        try (Lease lease = client.lock(NAME).acquire(Duration.ZERO)) {
            assertThat(holding(masters.get(0))).as("the emptied master granted nothing").isZero();
        }
    }

    @Test
    void aMasterDownAtCreationThatJoinsYoungGrantsNothingUntilItsQuarantineHasPassed() throws Exception {
        startMasters(false);
        masters.get(0).kill();
        LockEngine client = client(Duration.ofSeconds(10));
        masters.get(0).restart();
        LockServers servers = TestClients.store(client).servers();
        Poll.until("master 0 joined", Duration.ofSeconds(5), () -> servers.nodes().size() == 3);
        RedisNode joined = TestClients.nodeOf(client, masters.get(0));
        assertThat(joined.allowsGrants()).as("started less than the quarantine ago").isFalse();
        try (Lease lease = client.lock(NAME).acquire(Duration.ZERO)) {
            assertThat(holding(masters.get(0))).as("the young master granted nothing").isZero();
        }
        Poll.until("the quarantine over", Duration.ofSeconds(15), joined::allowsGrants);
        try (Lease lease = client.lock(NAME).acquire(Duration.ZERO)) {
            // Decided by the first two grants: master 0's may still be on its way.
            Poll.until("granted by master 0 once the quarantine was over", Duration.ofSeconds(5),
                    () -> holding(masters.get(0)) == 1);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> children = Files.list(path)) {
                for (Path child : children.toList()) {
                    deleteRecursively(child);
                }
            }
        }
        Files.delete(path);
    }
}
