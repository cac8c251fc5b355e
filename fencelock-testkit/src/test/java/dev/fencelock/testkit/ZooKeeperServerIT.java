package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.testkit.ZooKeeperServer.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;

/**
 * The kit's ZooKeeper servers are real processes, one JVM each: an ensemble elects a leader, keeps
 * serving when a follower dies and elects another leader when its leader dies; a standalone server
 * keeps its data across a crash.
 */
class ZooKeeperServerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Long enough that the client's session outlives every fault below: only connections break. */
    private static final int SESSION_MILLIS = 10_000;

    @Test
    void anEnsembleSurvivesAFollowerKillAndElectsANewLeaderWhenItsLeaderIsKilled() throws Exception {
        try (ZooKeeperEnsemble ensemble = ZooKeeperEnsemble.start(3)) {
            assertThat(ensemble.members()).extracting(ZooKeeperServer::id).containsExactly(1, 2, 3);
            assertThat(ensemble.members()).extracting(ZooKeeperServer::pid).doesNotHaveDuplicates()
                    .as("each member a JVM of its own").doesNotContain(ProcessHandle.current().pid());
            ZooKeeperServer leader = ensemble.leader();
            assertThat(ensemble.followers()).hasSize(2).doesNotContain(leader)
                    .allSatisfy(follower -> assertThat(follower.mode()).isEqualTo(Mode.FOLLOWER));
            ZooKeeper client = connect(ensemble.connectString());
            try {
                create(client, "/formed");

                ZooKeeperServer follower = ensemble.followers().get(0);
                follower.kill();
                assertThat(follower.isRunning()).isFalse();
                assertThat(follower.mode()).isEqualTo(Mode.UNREACHABLE);
                create(client, "/after-follower-kill");
                assertThat(ensemble.leader()).as("two of three are a quorum: the leader stays").isSameAs(leader);

                follower.restart();
                assertThat(follower.mode()).as("a restarted member rejoins the quorum").isEqualTo(Mode.FOLLOWER);
                follower.pause();
                assertThat(follower.mode()).as("a paused member answers nothing").isEqualTo(Mode.UNREACHABLE);
                follower.resume();
                ensemble.awaitQuorum(WAIT);

                leader.kill();
                ZooKeeperServer newLeader = ensemble.awaitLeader(WAIT);
                assertThat(newLeader).as("the survivors elect one of themselves").isNotSameAs(leader);
                create(client, "/after-leader-kill");
                assertThat(client.exists("/formed", false)).as("what the old leader committed survives it").isNotNull();

                leader.restart();
                assertThat(leader.mode()).as("the old leader comes back as a follower").isEqualTo(Mode.FOLLOWER);
                assertThat(ensemble.leader()).isSameAs(newLeader);
            } finally {
                client.close();
            }
        }
    }

    @Test
    void aStandaloneServerKeepsItsDataAcrossACrashAndCountsItsRequests() throws Exception {
        Path dir;
        try (ZooKeeperServer server = ZooKeeperServer.start()) {
            dir = server.dir();
            assertThat(server.mode()).isEqualTo(Mode.STANDALONE);
            assertThat(server.port()).isNotEqualTo(2181);
            assertThat(server.connectString()).isEqualTo("127.0.0.1:" + server.port());
            ZooKeeper client = connect(server.connectString());
            try {
                server.resetStats();
                long before = server.packetsReceived();
                create(client, "/kept");
                assertThat(server.packetsReceived()).as("the create is a packet received").isGreaterThan(before);
            } finally {
                client.close();
            }

            long pid = server.pid();
            server.kill();
            assertThat(server.mode()).isEqualTo(Mode.UNREACHABLE);
            server.restart();
            assertThat(server.pid()).isNotEqualTo(pid);
            ZooKeeper after = connect(server.connectString());
            try {
                assertThat(after.exists("/kept", false)).as("the node written before the crash").isNotNull();
            } finally {
                after.close();
            }
        }
        assertThat(Files.exists(dir)).as("closing deletes the server's directory").isFalse();
    }

    private static ZooKeeper connect(String connectString) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper client = new ZooKeeper(connectString, SESSION_MILLIS, event -> {
            if (event.getState() == KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        assertThat(connected.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("connected to " + connectString).isTrue();
        return client;
    }

    /** Creates {@code path}, retrying while the client reconnects to another member. */
    private static void create(ZooKeeper client, String path) throws InterruptedException {
        Poll.until("create " + path, WAIT, () -> {
            try {
                client.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                return true;
            } catch (KeeperException.NodeExistsException e) {
                return true; // a create whose reply was lost with the connection
            } catch (KeeperException.ConnectionLossException e) {
                return false;
            } catch (KeeperException e) {
                throw new AssertionError("create " + path, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
    }

    private static boolean exists(ZooKeeper client, String path) {
        try {
            return client.exists(path, false) != null;
        } catch (KeeperException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
