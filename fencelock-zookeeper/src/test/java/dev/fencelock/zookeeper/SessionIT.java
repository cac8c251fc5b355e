package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.DistributedLock;
import dev.fencelock.Lease;
import dev.fencelock.LeaseOptions;
import dev.fencelock.LockLostException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.ReleaseOutcome;
import dev.fencelock.spi.LockEngine;
import dev.fencelock.testkit.OutageCheck;
import dev.fencelock.testkit.Poll;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.ListenerManager;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;

/**
 * The lease is the session: an expired session is a lost lease, signalled at once; a session that
 * cannot be confirmed ends every lease two thirds of its timeout after the last answer, before the
 * ensemble could expire it; and nothing waits longer than a call timeout for a server that is gone.
 */
class SessionIT extends ZooKeeperIT {
    /** Far longer than the session: a lease of this length ends with the session, never by its own length. */
    private static final LeaseOptions LONG_FIXED_LEASE = LeaseOptions.fixed(Duration.ofMinutes(10));

    @Test
    void anExpiredSessionIsALostLeaseAtOnceAndTheLockPassesOnWithAGreaterToken() throws Exception {
        LockEngine holder = connect();
        Lease lease = holder.lock("job").acquire(Duration.ZERO, LONG_FIXED_LEASE);

        zooKeeper.expireSession(holder);

        LockLostException lost = lease.lost().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(lost.reason()).as("reported by the session's end, not run out").isEqualTo(LockLostException.Reason.KEY_GONE);
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.remaining()).isEqualTo(Duration.ZERO);
        try (Lease next = connect().lock("job").acquire(Duration.ofSeconds(10))) {
            assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
        }
        assertThat(lease.release()).isEqualTo(ReleaseOutcome.ALREADY_LOST);
        // The client goes on in a new session.
        holder.lock("job").acquire(Duration.ofSeconds(10)).close();
    }

    @Test
    void aReleaseAnsweredOnlyAfterItsConnectionWasCutIsAReleaseNotALoss() throws Exception {
        try (ReplyHoldingProxy proxy = ReplyHoldingProxy.to(zooKeeper.connectString())) {
            // The delete goes again only after Curator's pause of a second and the ZooKeeper client's
            // random pause of up to a second before it reconnects: 1.1 to 2.1 s measured on a loaded machine,
            // which the default call timeout of 2 s does not always cover.
            Lease lease = connectThrough(proxy.connectString(),
                    options -> options.sessionTimeout(Duration.ofSeconds(30)).callTimeout(Duration.ofSeconds(5)))
                    .lock("job").acquire(Duration.ZERO);
            proxy.holdReplies();
            CompletableFuture<ReleaseOutcome> released = CompletableFuture.supplyAsync(lease::release);
            Poll.until("the delete applied, unanswered", Duration.ofSeconds(10), () -> zooKeeper.locksLeft(root).isEmpty());

            // Curator sends the delete again on the next connection, and finds the node gone: by its own first delete.
            proxy.cutConnections();

            assertThat(released.get(30, TimeUnit.SECONDS)).isEqualTo(ReleaseOutcome.RELEASED);
            assertThat(lease.lost()).as("no loss signalled").isNotDone();
        }
    }

    @Test
    void curatorSayingLostAgainOnceTheNewSessionIsKnownEndsNothing() throws Exception {
        LockEngine client = connect();
        Lease lease = client.lock("job").acquire(Duration.ZERO);
        CuratorFramework curator = ((ZooKeeperStore) client.store()).client();

        // As Curator says when the connection after an expiry connects, by when the store may know its session.
        @SuppressWarnings("unchecked")
        ListenerManager<ConnectionStateListener, ConnectionStateListener> listeners =
                (ListenerManager<ConnectionStateListener, ConnectionStateListener>) curator.getConnectionStateListenable();
        listeners.forEach(listener -> listener.stateChanged(curator, ConnectionState.LOST));

        assertThat(lease.lost()).as("the live session's lease").isNotDone();
        lease.close();
        // A session taken for dead refused every node it created, and the acquisition created the next at once.
        client.lock("job").acquire(Duration.ofSeconds(5)).close();
    }

    @Test
    void aLeaseShowsTheSessionsDeadlineNotItsOwnLength() throws Exception {
        LockEngine client = connect();
        try (Lease lease = client.lock("report").acquire(Duration.ZERO, LONG_FIXED_LEASE)) {
            Duration bound = SessionBound.of(Duration.ofMillis(TestZooKeeper.MAX_SESSION_MILLIS));
            assertThat(lease.remaining()).as("at most two thirds of the session granted").isLessThanOrEqualTo(bound).isPositive();
        }
    }

    @Test
    void aLeaseLastsAsLongAsTheSessionIsConfirmedThoughTheEnsembleGrantsLessThanAsked() throws Exception {
        // Asks 15 s; the server grants 4 s: the session must be confirmed at a third of what was granted.
        LockEngine client = connect(options -> options.sessionTimeout(Duration.ofSeconds(15)));
        try (Lease lease = client.lock("long").acquire(Duration.ZERO, LONG_FIXED_LEASE)) {
            Poll.throughout(Duration.ofSeconds(8), () -> assertThat(lease.isValid())
                    .as("valid for three granted sessions and more, remaining %s", lease.remaining()).isTrue());
        }
    }

    @Test
    void whenTheServerStopsEveryLeaseRunsOutAtTheDeadlineOfTheLastAnswer() throws Exception {
        Duration sessionTimeout = Duration.ofSeconds(3);
        LockEngine client = connect(options -> options.sessionTimeout(sessionTimeout).callTimeout(Duration.ofMillis(500)));
        Lease lease = client.lock("outage").acquire(Duration.ZERO, LONG_FIXED_LEASE);
        CompletableFuture<LockLostException> lost = lease.lost().toCompletableFuture();
        Duration bound = SessionBound.of(sessionTimeout);

        zooKeeper.stop();
        try {
            // Throughout the outage (SUSPENDED), the lease never claims more than the session's bound.
            Poll.until("the lease lost", bound.plusSeconds(10), () -> {
                assertThat(lease.remaining()).isLessThanOrEqualTo(bound);
                return lost.isDone();
            });
            assertThat(lost.get().reason()).as("run out on the local clock").isEqualTo(LockLostException.Reason.EXPIRED);
            assertThat(lost.get().getMessage()).contains("(its session)");
            assertThat(lease.remaining()).isEqualTo(Duration.ZERO);
        } finally {
            zooKeeper.restart();
        }
        lease.close();
    }

    @Test
    void acquiringWhileTheServerIsDownFailsAsUnavailable() throws Exception {
        DistributedLock lock = connect().lock("down");
        zooKeeper.stop();
        try {
            CompletableFuture<Lease> attempt = CompletableFuture.supplyAsync(() -> lock.acquire(Duration.ZERO));
            // A generous bound against a hang; the call timeout is 2 s.
            assertThatThrownBy(() -> attempt.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(LockUnavailableException.class)
                    .hasMessageContaining("ZooKeeper at");
        } finally {
            zooKeeper.restart();
        }
    }

    @Test
    void lockWhileTheServerIsDownGivesUpAfterTheOutageAllowance() throws Exception {
        DistributedLock lock = connect(options -> options.outageAllowance(Duration.ofSeconds(1))).lock("down");
        zooKeeper.stop();
        try {
            OutageCheck.assertLockGivesUpAfter(lock, Duration.ofSeconds(1));
        } finally {
            zooKeeper.restart();
        }
    }

    /**
     * Curator's protection finds a node again after a create whose reply was lost, without its
     * stat; the store reads it. When that read fails too (the server stopped), the node must go:
     * no attempt knows it, and first in the queue it would hold the lock for nobody while the
     * session lives. The session outlives the short outage here, so only a delete removes the node.
     */
    @Test
    void aNodeFoundAgainWhoseReadFailsIsDeletedRatherThanLeftHoldingTheLockForNobody() throws Exception {
        LockEngine client = connect(options -> options.callTimeout(Duration.ofMillis(300)));
        ZooKeeperStore store = (ZooKeeperStore) client.store();
        CuratorFramework curator = store.client();
        String node = curator.create().creatingParentContainersIfNeeded().withProtection()
                .withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(LockPaths.lockPath(root, "lost-reply") + "/" + LockNodes.EXCLUSIVE);
        long session = curator.getZookeeperClient().getZooKeeper().getSessionId();

        zooKeeper.stop();
        try {
            assertThatThrownBy(() -> store.foundAgain(node).get(30, TimeUnit.SECONDS))
                    .as("the read of the node found again, while the server is down")
                    .hasCauseInstanceOf(LockUnavailableException.class);
        } finally {
            zooKeeper.restart();
        }

        Poll.until("the node found again deleted", Duration.ofSeconds(20), () -> zooKeeper.locksLeft(root).isEmpty());
        assertThat(curator.getZookeeperClient().getZooKeeper().getSessionId())
                .as("the same session: its node went by a delete, not with the session").isEqualTo(session);
    }

    /**
     * A waiter whose watch on the node it waits for is not set (no answer) would sleep until its
     * keep-alive interval, a session timeout, and the queue behind it with it: the watch fires
     * instead, so that it tries again and arms the watch anew.
     */
    @Test
    void aWatchThatZooKeeperDoesNotSetWakesItsWaiterToTryAgain() throws Exception {
        LockEngine client = connect(options -> options.callTimeout(Duration.ofMillis(300)));
        ZooKeeperStore store = (ZooKeeperStore) client.store();
        PredecessorWatch watch = new PredecessorWatch(closed -> {}, (closed, path) -> {});
        CompletableFuture<Void> woken = watch.nextRelease();

        zooKeeper.stop();
        try {
            store.watchNode(watch, LockPaths.lockPath(root, "unwatched") + "/" + LockNodes.EXCLUSIVE + "0000000000");
            // Well within the keep-alive interval (15 s by default): a few call timeouts.
            woken.get(5, TimeUnit.SECONDS);
        } finally {
            zooKeeper.restart();
        }
    }

    @Test
    void connectingToNoServerFailsWithinTheConnectionTimeout() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        ZooKeeperLockOptions options = ZooKeeperLockOptions.builder("127.0.0.1:" + closedPort)
                .connectionTimeout(Duration.ofMillis(500)).build();
        assertThatThrownBy(() -> ZooKeeperLocks.connect(options))
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("127.0.0.1:" + closedPort)
                .hasMessageContaining("connection timeout");
    }
}
