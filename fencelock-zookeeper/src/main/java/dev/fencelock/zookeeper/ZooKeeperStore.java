package dev.fencelock.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.fencelock.LockAdmin;
import dev.fencelock.LockException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.Await;
import dev.fencelock.spi.HeldLease;
import dev.fencelock.spi.LeaseReports;
import dev.fencelock.spi.LockKind;
import dev.fencelock.spi.LockStore;
import dev.fencelock.spi.ReleaseWatch;
import dev.fencelock.spi.Released;
import dev.fencelock.spi.Renewal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryUntilElapsed;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The locks on ZooKeeper, on Curator's framework (connection, retries, session states, protected
 * creates). Every acquisition is an ephemeral sequential node under the lock's path
 * ({@link LockNodes}): granted when nothing it must wait for is before it, its fencing token the
 * zxid that created it; refused otherwise, and then watching only the node it waits for. A waiting
 * node keeps its place across the attempts of one acquisition. A new node is created and the queue
 * read in one round trip (the read sent behind the create), and a node whose blocker has been the
 * first of the queue (so read, or granted by this client) holds the lock once the blocker is
 * deleted, without reading the queue again ({@link WaitingNode}): an uncontended acquisition costs
 * one round trip, and a hand-off to such a waiter the holder's delete, where Curator's mutex takes
 * two round trips and the delete and a read. The lease is the session: the node lives while the
 * session does, a call that passed the leader (a write or a sync, never a read alone) makes the
 * lease valid for two thirds of the session timeout ({@link SessionBound}), and a session that
 * expires is reported to the engine as the loss of every lease it held, at once.
 *
 * <p>Thread-safe: the maps are concurrent, each node's lease end is guarded by its {@link HeldNode},
 * and Curator calls the callbacks on its event thread, where nothing blocks.
 */
final class ZooKeeperStore implements LockStore {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperStore.class);
    private static final int MAX_RENEWAL_BATCH = 500;
    private static final int RETRY_SLEEP_MILLIS = 50;
    private static final long MAX_RETRY_PAUSE_MILLIS = 20;
    private static final long MIN_UNAVAILABLE_PAUSE_MILLIS = 50;
    private static final LeaseReports NO_REPORTS = new LeaseReports() {
        @Override
        public void lost(Set<String> owners) {}

        @Override
        public void confirmedFor(Duration remaining) {}
    };

    private final ZooKeeperLockOptions options;
    private final Calls calls;
    private final CuratorFramework client;
    /**
     * Ends the leases that run out unrenewed (see {@link HeldNode}) and the calls that go unanswered
     * (see {@link Calls}); one thread for all of them.
     */
    private final ScheduledThreadPoolExecutor timers;
    private final ZooKeeperLockAdmin admin;
    private final WaitingNodes waiting = new WaitingNodes();
    /** This client's nodes granted to leases, by owner token. */
    private final ConcurrentMap<String, HeldNode> held = new ConcurrentHashMap<>();
    /**
     * The release watches that the engine has open, by what they queue for. Readers of a name share
     * one key, and a downgrade (a read beside the caller's write lease, past the engine's readers'
     * gate) opens its watch beside a waiting reader's: every watch of a key is armed.
     */
    private final ConcurrentMap<QueueKey, Set<PredecessorWatch>> watches = new ConcurrentHashMap<>();
    /** Sessions of this client that expired or that Curator gave up: their nodes are gone. */
    private final Set<Long> deadSessions = ConcurrentHashMap.newKeySet();
    /**
     * How many times the connection was lost. Counted on Curator's event thread, which also calls
     * back the calls: a call that the count moved under was cut off once and perhaps sent again.
     */
    private final AtomicLong disconnections = new AtomicLong();
    /** When the latest call that passed the leader was sent (System.nanoTime): the session was alive after it. */
    private final AtomicLong lastConfirmed = new AtomicLong(System.nanoTime());
    // Guarded by this: the current session, and Curator's count of connections when it was read (-1: none yet).
    private long session;
    private long sessionConnection = -1;
    private volatile LeaseReports reports = NO_REPORTS;

    ZooKeeperStore(ZooKeeperLockOptions options) {
        this.options = options;
        this.client = CuratorFrameworkFactory.builder()
                .connectString(options.connectString())
                .sessionTimeoutMs(millis(options.sessionTimeout()))
                .connectionTimeoutMs(millis(options.connectionTimeout()))
                // Retried while the connection is down for as long as one call may take; the call's
                // own bound then reports the outage.
                .retryPolicy(new RetryUntilElapsed(millis(options.callTimeout()), RETRY_SLEEP_MILLIS))
                // The servers are the ones given: no rewriting of the connect string from the ensemble's config.
                .ensembleTracker(false)
                .build();
        this.timers = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "fencelock-zookeeper-leases");
            thread.setDaemon(true);
            return thread;
        });
        timers.setRemoveOnCancelPolicy(true);
        this.calls = new Calls(options.callTimeout(), describe(), this::leasesSession, this::sessionConfirmed, timers);
        this.admin = new ZooKeeperLockAdmin(this);
        try {
            client.getConnectionStateListenable().addListener((curator, state) -> sessionStateChanged(state));
            // Curator calls its listeners of ZooKeeper's events on the event thread, in order with
            // the calls' answers (its connection states come later, from a thread of their own).
            client.getCuratorListenable().addListener((curator, event) -> {
                if (event.getType() == CuratorEventType.WATCHED
                        && event.getWatchedEvent().getState() == Watcher.Event.KeeperState.Disconnected) {
                    disconnections.incrementAndGet();
                }
            });
            client.start();
            if (!client.blockUntilConnected(millis(options.connectionTimeout()), TimeUnit.MILLISECONDS)) {
                throw new LockUnavailableException(describe() + " did not answer within the connection timeout ("
                        + options.connectionTimeout() + ")");
            }
            sessionConnected();
            scheduleProbe();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new LockUnavailableException("interrupted while connecting to " + describe(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void checkName(String name) {
        // Every name is one path segment once escaped (LockPaths): nothing to refuse.
    }

    @Override
    public boolean supports(LockKind kind) {
        // The fair lock is the plain lock's recipe with a node per acquisition: the queue is fair by construction.
        return kind == LockKind.PLAIN || kind == LockKind.FAIR || kind == LockKind.READ;
    }

    /**
     * A waiting node costs the ensemble nothing but its watch, and a release wakes only the node
     * behind it: every thread queues its own node, as with Curator's mutex, so that a hand-off is
     * the holder's delete and the next waiter's read of the children, even between two threads of
     * one client (one remote waiter per client would create, read and watch a node after each
     * release instead).
     */
    @Override
    public boolean queuesEachPlainAcquisition() {
        return true;
    }

    /**
     * A watch is an object of this client until a refused attempt arms it on the node it waits for
     * ({@link #judge}): in place before the first attempt, it lets a contended acquisition cost
     * Curator's requests (create, read the children, watch the node before) rather than read the
     * children a second time after the first refusal.
     */
    @Override
    public boolean watchesBeforeFirstAttempt(LockKind kind) {
        return true;
    }

    @Override
    public void reportTo(LeaseReports reports) {
        this.reports = reports;
    }

    /**
     * The session was alive when the leader received a call sent at {@code sentAt}: the leases are
     * trusted until two thirds of the session timeout from then ({@link SessionBound}).
     */
    private void sessionConfirmed(long sentAt) {
        lastConfirmed.accumulateAndGet(sentAt, (latest, sent) -> sent - latest > 0 ? sent : latest);
        Duration remaining = sessionBound().minusNanos(System.nanoTime() - sentAt);
        if (!remaining.isNegative()) {
            reports.confirmedFor(remaining);
        }
    }

    /**
     * While this client holds leases, a sync every third of the session bound keeps their deadline
     * moving (one call for all of them); when it goes unanswered (SUSPENDED, a partition, a pause,
     * a member cut off from the leader), the deadline stays where the last answer put it and the
     * leases run out there. While it only waits, the same sync keeps the session confirmed recently
     * enough for a hand-off to take no read ({@link #confirmedWithinHalfTheBound}): a waiter's own
     * calls are reads, which confirm nothing.
     */
    private void probeSession() {
        if (!held.isEmpty() || !watches.isEmpty()) {
            sync("confirming the session");
        }
        scheduleProbe();
    }

    /**
     * A sync: the member passes it to the leader, which answers only while the session is alive, and
     * answers the session's later requests only after it, from data as new as the leader's.
     */
    private CompletableFuture<CuratorEvent> sync(String what) {
        return calls.run(what, callback -> client.sync().inBackground(callback).forPath(options.rootPath()));
    }

    /**
     * {@code read}, sent right behind a sync without waiting for it (one round trip): it fails when
     * the sync does, and its answer comes after the sync's, which confirms the session where a
     * read's answer does not ({@link Calls}).
     */
    private <T> CompletableFuture<T> behindSync(String what, Supplier<CompletableFuture<T>> read) {
        CompletableFuture<CuratorEvent> synced = sync(what);
        return read.get().thenCombine(synced, (answer, sync) -> answer);
    }

    /**
     * The session of this client's leases while Curator's connection is the one it was read from;
     * 0 once Curator has opened another (a new session: its answers say nothing of those leases)
     * until it is known. Known here already when the leases' session has ended: Curator says
     * RECONNECTED on a thread of its own, after the leases' waiters, woken by the end, have sent
     * their calls in the new one, and answers in a session not yet known confirm nothing.
     */
    private long leasesSession() {
        long connection = client.getZookeeperClient().getInstanceIndex();
        synchronized (this) {
            if (connection == sessionConnection || !deadSessions.contains(session)) {
                return connection == sessionConnection ? session : 0;
            }
        }
        // Ends nothing: the session known is dead already.
        sessionConnected();
        synchronized (this) {
            return connection == sessionConnection ? session : 0;
        }
    }

    /** The next probe, a third of the bound of the session as negotiated now (the ensemble may grant less than asked). */
    private void scheduleProbe() {
        try {
            timers.schedule(this::probeSession, sessionBound().dividedBy(3).toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // The store is closed: no more probes.
        }
    }

    /** Two thirds of the session timeout, as negotiated with the ensemble (it may grant less than asked). */
    private Duration sessionBound() {
        long negotiated = client.getZookeeperClient().getLastNegotiatedSessionTimeoutMs();
        Duration session = negotiated > 0 && negotiated < options.sessionTimeout().toMillis()
                ? Duration.ofMillis(negotiated) : options.sessionTimeout();
        return SessionBound.of(session);
    }

    @Override
    public CompletableFuture<Attempt> acquire(LockKind kind, String name, String owner, Duration lease, boolean waiting,
            String alongside) {
        QueueKey key = QueueKey.of(kind, name, owner);
        WaitingNode queued = this.waiting.take(key);
        if (queued != null && isAlive(queued.node())) {
            if (watchesOf(key).stream().anyMatch(queued::holdsOnceGone) && queued.node().session() == currentSession()
                    && confirmedWithinHalfTheBound()) {
                // The hand-off costs the holder's delete alone, where Curator's waiter reads the children again.
                return CompletableFuture.completedFuture(grant(kind, owner, queued.node(), lease));
            }
            // A lease granted on this read needs the session confirmed: as for the hand-off above, a
            // confirmation lately enough will do; else the read goes behind a sync.
            boolean confirmed = confirmedWithinHalfTheBound();
            return attempt(key, CompletableFuture.completedFuture(queued.node()),
                    ours -> confirmed ? children(ours.lockPath())
                            : behindSync("reading the nodes of " + ours.lockPath(), () -> children(ours.lockPath())),
                    owner, lease, waiting, alongside);
        }
        CompletableFuture<LockNode> created = create(kind, name, owner);
        // Sent behind the create without waiting for its answer: ZooKeeper answers the requests of a
        // session in the order they were sent, so the read already lists the new node and the
        // attempt costs one round trip; the create's answer, a write's, confirms the session. When
        // it does not (Curator created the parents first, or sent the create again after a lost
        // connection), the node is read for once it exists.
        CompletableFuture<List<String>> read = children(LockPaths.lockPath(options.rootPath(), name));
        return attempt(key, created, ours -> read
                        .handle((children, error) -> error == null && children.contains(ours.node())
                                ? CompletableFuture.completedFuture(children) : children(ours.lockPath()))
                        .thenCompose(Function.identity()),
                owner, lease, waiting, alongside);
    }

    /** Judges {@code node} among the children that {@code read} lists once it exists; a failed attempt leaves it as {@link #keepOrDelete} says. */
    private CompletableFuture<Attempt> attempt(QueueKey key, CompletableFuture<LockNode> node,
            Function<LockNode, CompletableFuture<List<String>>> read, String owner, Duration lease, boolean waiting,
            String alongside) {
        return node.thenCompose(ours -> read.apply(ours)
                        .thenCompose(children -> judge(key, ours, children, owner, lease, waiting, alongside))
                        .whenComplete((attempt, error) -> {
                            if (error != null) {
                                keepOrDelete(key, ours, waiting);
                            }
                        }))
                .exceptionally(error -> failed(calls.failure("acquiring lock '" + key.name() + "'", Await.unwrap(error))));
    }

    /** An outage is tried again after a pause ({@link #unavailablePause}); a refusal that no retry changes fails the acquisition. */
    private static Attempt failed(LockException failure) {
        return failure instanceof LockUnavailableException
                ? new Attempt.Unavailable(failure, unavailablePause()) : new Attempt.Rejected(failure);
    }

    /** The session that the answers come from now: those of an earlier one say nothing about its nodes. */
    private synchronized long currentSession() {
        return session;
    }

    /**
     * Whether a call passed the leader lately enough that a lease granted now, without a call of its
     * own, is trusted for at least half the session bound: the engine ends every lease at the bound
     * after the last confirmation. A waiter that waited longer reads the queue behind a sync instead,
     * which confirms the session.
     */
    private boolean confirmedWithinHalfTheBound() {
        return System.nanoTime() - lastConfirmed.get() < sessionBound().toNanos() / 2;
    }

    /**
     * After an attempt that the ensemble did not answer in time, a waiting acquisition tries again
     * until its own deadline or the outage allowance: an ensemble is several servers, and a leader
     * election or a member that stalls makes it answer again within seconds. One that does not wait fails at once.
     */
    private static Duration unavailablePause() {
        return Duration.ofMillis(MIN_UNAVAILABLE_PAUSE_MILLIS
                + ThreadLocalRandom.current().nextLong(MIN_UNAVAILABLE_PAUSE_MILLIS * 2 + 1));
    }

    /**
     * The node of a new acquisition, at the back of the lock's queue. Curator's protection finds it
     * again if the reply was lost; a node that is created after the call timed out is deleted.
     */
    private CompletableFuture<LockNode> create(LockKind kind, String name, String owner) {
        String lockPath = LockPaths.lockPath(options.rootPath(), name);
        return calls.runOrUndo("creating a node of lock '" + name + "'", callback -> client.create()
                        .creatingParentContainersIfNeeded()
                        .withProtection()
                        .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                        .inBackground(callback)
                        .forPath(lockPath + "/" + LockNodes.prefix(kind), owner.getBytes(UTF_8)),
                        late -> deleteQuietly(late.getName()))
                .thenCompose(event -> event.getStat() != null
                        ? CompletableFuture.completedFuture(LockNode.of(event.getName(), event.getStat()))
                        : foundAgain(event.getName()));
    }

    /**
     * The node that Curator's protection found again after a create whose reply was lost: the
     * answer has no stat, so the node is read for it. When that read fails the node is deleted:
     * no attempt knows it then, and, first in the queue, it would hold the lock for nobody until
     * the session ends.
     */
    CompletableFuture<LockNode> foundAgain(String path) {
        return stat(path)
                .whenComplete((stat, error) -> {
                    if (error != null) {
                        deleteQuietly(path);
                    }
                })
                .thenApply(stat -> LockNode.of(path, stat));
    }

    /** Behind a sync: the create whose node this reads was found again by a read, and confirmed nothing. */
    private CompletableFuture<Stat> stat(String path) {
        return behindSync("reading node " + path, () -> calls.run("reading node " + path,
                        callback -> client.checkExists().inBackground(callback).forPath(path)))
                .thenApply(CuratorEvent::getStat);
    }

    private CompletableFuture<List<String>> children(String lockPath) {
        return calls.run("reading the nodes of " + lockPath,
                        callback -> client.getChildren().inBackground(callback).forPath(lockPath),
                        KeeperException.Code.NONODE)
                .thenApply(event -> event.getChildren() == null ? List.of() : event.getChildren());
    }

    private CompletableFuture<Attempt> judge(QueueKey key, LockNode ours, List<String> children, String owner,
            Duration lease, boolean waiting, String alongside) {
        List<String> ordered = LockNodes.ordered(children);
        if (!ordered.contains(ours.node()) || !isAlive(ours)) {
            // Deleted by an operator, or gone with an expired session: queue again, at once.
            return CompletableFuture.completedFuture(new Attempt.Refused(Duration.ZERO, true));
        }
        HeldNode beside = alongside == null ? null : held.get(alongside);
        String besideNode = beside == null || !isAlive(beside.node()) ? null : beside.node().node();
        String blocker = LockNodes.blocker(key.kind(), ordered, ours.node(), besideNode);
        if (blocker == null) {
            return CompletableFuture.completedFuture(grant(key.kind(), owner, ours, lease));
        }
        // A downgrade behind a writer that queued after the caller's write lease. It must not wait:
        // that writer waits for the write lease, which the caller holds. Nor may it hold its own
        // node, behind the writer: once the write lease's node is deleted, the writer is first and
        // holds the lock beside this read (Curator's CURATOR-276). So the read holds the write
        // lease's node, deleted when the last of the two lets go, and has its token, below the
        // waiting writer's. A write lease let go meanwhile leaves an ordinary reader, refused below.
        HeldNode shared = besideNode != null && LockNodes.isBefore(ordered, besideNode, blocker)
                ? beside.sharedWith(owner) : null;
        if (shared != null) {
            deleteQuietly(ours.path());
            return CompletableFuture.completedFuture(grant(key.kind(), shared, lease));
        }
        Attempt refused = new Attempt.Refused(keepAliveInterval(key.kind()), true);
        if (!waiting) {
            // Out of the queue before the answer, so that nobody waits behind a caller that does not wait.
            return delete(ours).handle((deleted, error) -> refused);
        }
        String blockerPath = ours.lockPath() + "/" + blocker;
        WaitingNode waiter = new WaitingNode(ours, blockerPath, blocker.equals(ordered.get(0)));
        this.waiting.put(key, waiter);
        arm(key, waiter, blockerPath);
        return CompletableFuture.completedFuture(refused);
    }

    private Attempt grant(LockKind kind, String owner, LockNode ours, Duration lease) {
        return grant(kind, new HeldNode(owner, ours), lease);
    }

    private Attempt grant(LockKind kind, HeldNode node, Duration lease) {
        held.put(node.owner(), node);
        if (kind != LockKind.READ) {
            waiting.heldExclusively(node.node().path(), this::watchWaiter);
        }
        node.expireAfter(lease, timers, () -> expired(node));
        // The lease's own length: the session's deadline, which every answer moves, bounds it beside.
        return new Attempt.Granted(node.node().czxid(), lease);
    }

    /** Reads the held node's path again: its stat, or null when nothing is there. */
    private CompletableFuture<Stat> reread(String what, HeldNode node) {
        return calls.run(what, callback -> client.checkExists().inBackground(callback).forPath(node.node().path()),
                        KeeperException.Code.NONODE)
                .thenApply(CuratorEvent::getStat);
    }

    /** Whether a read of the held node's path ({@code stat}, null when missing) finds the node that was granted. */
    private static boolean isGranted(HeldNode node, Stat stat) {
        return stat != null && stat.getCzxid() == node.node().czxid();
    }

    /** A lease ran out unrenewed while this client lives: its node goes, as a Redis key would expire. */
    private void expired(HeldNode node) {
        if (held.remove(node.owner(), node) && node.letGo()) {
            deleteQuietly(node.node().path());
        }
    }

    /** A failed attempt leaves a waiting node queued (the engine takes it off with stopWaiting), any other deleted. */
    private void keepOrDelete(QueueKey key, LockNode node, boolean waiting) {
        if (waiting) {
            this.waiting.put(key, WaitingNode.unjudged(node));
        } else {
            deleteQuietly(node.path());
        }
    }

    /**
     * Arms the watch of the acquisition, if it has one yet, on the node it waits for; and first on
     * its own node when it may hold the lock at that node's delete ({@link WaitingNode#holdsOnceGone}):
     * a node deleted from outside (an operator) must then be seen to be gone, since no read of the
     * queue follows. ZooKeeper answers and notifies one session in order, so a delete of the own
     * node before the other's is seen before it.
     */
    private void arm(QueueKey key, WaitingNode waiter, String blockerPath) {
        for (PredecessorWatch watch : watchesOf(key)) {
            watch.armedFor(waiter.node().path());
            if (waiter.blockerFirst()) {
                watchNode(watch, waiter.node().path());
            }
            watchNode(watch, blockerPath);
        }
    }

    /**
     * The waiting node of {@code key} now waits for a node that this client holds exclusively: its
     * own node is watched from now on, as {@link #arm} does for a blocker first in line, and before
     * the holder's release is sent.
     */
    private void watchWaiter(QueueKey key, WaitingNode waiter) {
        for (PredecessorWatch watch : watchesOf(key)) {
            watchNode(watch, waiter.node().path());
        }
    }

    private Set<PredecessorWatch> watchesOf(QueueKey key) {
        return watches.getOrDefault(key, Set.of());
    }

    /**
     * Sets {@code watch} on the node at {@code path}. When ZooKeeper does not answer, the watch
     * fires: unwatched, the waiter would sleep until its keep-alive interval (a session timeout),
     * and the queue behind it with it; it tries again now, and its attempt (which waits out an
     * outage itself) arms the watch again. A refusal (an ACL on the node) would only repeat, at
     * once and without end: that waiter falls back on its keep-alive.
     */
    void watchNode(PredecessorWatch watch, String path) {
        // getData rather than exists: a watch on a node that is already gone would wait for its creation.
        // A read answered after its call timed out set the watch all the same: close must remove it too.
        calls.runOrUndo("watching " + path,
                        callback -> client.getData().usingWatcher(watch).inBackground(callback).forPath(path),
                        late -> watch.heldFor(path), KeeperException.Code.NONODE)
                .whenComplete((event, error) -> {
                    if (error != null && Await.unwrap(error) instanceof LockUnavailableException) {
                        log.debug("watching {} failed; the waiter tries again", path, error);
                        watch.fire();
                    } else if (error != null) {
                        log.warn("watching {} was refused; the waiter tries again after its keep-alive interval", path, error);
                    } else if (Calls.code(event) == KeeperException.Code.NONODE) {
                        watch.deleted(path);
                    } else {
                        watch.setOn(path);
                    }
                });
    }

    /**
     * Takes {@code watch} out of the ZooKeeper client's watches of the node at {@code path}, where it
     * would stay until the node changes. Local: the client forgets it even while the server cannot be
     * reached (the server's own watch, one per session and node, stays until the node changes). In
     * the background: the caller, which may be Curator's event thread, waits for nothing, and a watch
     * that fired meanwhile is answered NOWATCHER, which nobody reads.
     */
    private void removeWatch(PredecessorWatch watch, String path) {
        try {
            client.watchers().remove(watch).ofType(Watcher.WatcherType.Data).locally().inBackground().forPath(path);
        } catch (Exception e) {
            log.debug("removing a watch of {} failed; it goes when the node changes", path, e);
        }
    }

    /**
     * One sync for the batch, and each lease's read behind it: the sync's answer confirms the
     * session, the reads' answers say what is there as of it.
     */
    @Override
    public CompletableFuture<List<Renewal>> renew(List<HeldLease> batch) {
        CompletableFuture<CuratorEvent> synced = sync("renewing leases");
        List<CompletableFuture<Renewal>> renewals = batch.stream().map(lease -> renew(lease, synced)).toList();
        return CompletableFuture.allOf(renewals.toArray(CompletableFuture[]::new))
                .thenApply(done -> renewals.stream().map(CompletableFuture::join).toList());
    }

    /** Confirms that the lease's node is still there, in the session that created it, and moves the lease's end. */
    private CompletableFuture<Renewal> renew(HeldLease lease, CompletableFuture<CuratorEvent> synced) {
        HeldNode node = held.get(lease.owner());
        if (node == null || !isAlive(node.node())) {
            forget(lease.owner(), node);
            return CompletableFuture.completedFuture(Renewal.GONE);
        }
        return reread("renewing a lease of lock '" + lease.name() + "'", node)
                .thenCombine(synced, (stat, sync) -> stat)
                .handle((stat, error) -> {
                    if (error != null) {
                        return Renewal.UNCONFIRMED;
                    }
                    if (stat == null) {
                        forget(lease.owner(), node);
                        return Renewal.GONE;
                    }
                    if (!isGranted(node, stat)) {
                        return Renewal.TAKEN;
                    }
                    return node.expireAfter(lease.lease(), timers, () -> expired(node)) ? Renewal.RENEWED : Renewal.GONE;
                });
    }

    private void forget(String owner, HeldNode node) {
        if (node != null && held.remove(owner, node)) {
            node.cancelExpiry();
        }
    }

    @Override
    public int maxRenewalBatch() {
        return MAX_RENEWAL_BATCH;
    }

    @Override
    public int renewalShard(String name) {
        return 0;
    }

    @Override
    public CompletableFuture<Released> release(LockKind kind, String name, String owner, boolean requeue) {
        // The next acquisition of this client queues at the back on its own (a new node): nothing to requeue.
        HeldNode node = held.remove(owner);
        if (node == null) {
            return CompletableFuture.completedFuture(new Released(Released.Finding.GONE, false));
        }
        node.cancelExpiry();
        if (!isAlive(node.node())) {
            return CompletableFuture.completedFuture(new Released(Released.Finding.GONE, false));
        }
        if (!node.letGo()) {
            // A downgrade and its write lease share the node (see judge): it goes with the last of
            // them. This one asks whether it is still there, so that it reports an operator's
            // delete as the last one's delete would. Gone counts only while the other lease still
            // holds the node: once that one let go, the delete may be its own. Unanswered, the
            // release is done all the same (this lease let go), and reports what it knows.
            return reread("releasing lock '" + name + "'", node)
                    .handle((stat, error) -> new Released(error == null && !isGranted(node, stat) && node.isHeld()
                            ? Released.Finding.GONE : Released.Finding.OURS, false));
        }
        // Guaranteed: if the reply is lost, Curator deletes the node in the background once it can.
        long disconnectionsBefore = disconnections.get();
        return calls.run("releasing lock '" + name + "'",
                        callback -> client.delete().guaranteed().inBackground(callback).forPath(node.node().path()),
                        KeeperException.Code.NONODE)
                .thenApply(event -> new Released(Calls.code(event) == KeeperException.Code.NONODE
                        && !deletedBeforeTheConnectionDropped(node, disconnectionsBefore)
                        ? Released.Finding.GONE : Released.Finding.OURS, false));
    }

    /**
     * Whether a delete of {@code node} that found it gone may have found its own work: Curator sends
     * a call cut off with its connection again on the next one, in the same session, and the first
     * may have been applied. An operator's delete in that window is taken for ours; a node that went
     * with its session was lost.
     */
    private boolean deletedBeforeTheConnectionDropped(HeldNode node, long disconnectionsBefore) {
        return disconnections.get() != disconnectionsBefore && isAlive(node.node())
                && node.node().session() == leasesSession();
    }

    @Override
    public CompletableFuture<ReleaseWatch> watch(LockKind kind, String name, String owner) {
        QueueKey key = QueueKey.of(kind, name, owner);
        PredecessorWatch watch = new PredecessorWatch(closed -> watches.computeIfPresent(key, (queue, open) -> {
            open.remove(closed);
            return open.isEmpty() ? null : open;
        }), this::removeWatch);
        watches.compute(key, (queue, open) -> {
            Set<PredecessorWatch> opened = open == null ? ConcurrentHashMap.newKeySet() : open;
            opened.add(watch);
            return opened;
        });
        return CompletableFuture.completedFuture(watch);
    }

    @Override
    public void stopWaiting(LockKind kind, String name, String owner) {
        WaitingNode node = waiting.take(QueueKey.of(kind, name, owner));
        if (node != null) {
            deleteQuietly(node.node().path());
        }
    }

    @Override
    public CompletableFuture<Boolean> isLocked(LockKind kind, String name) {
        return children(LockPaths.lockPath(options.rootPath(), name)).thenApply(children -> {
            List<String> holders = LockNodes.holders(LockNodes.ordered(children));
            // An exclusive lock waits for readers too.
            return !holders.isEmpty() && (kind != LockKind.READ || LockNodes.isRead(holders.get(0)));
        });
    }

    @Override
    public LockAdmin admin() {
        return admin;
    }

    @Override
    public Duration callTimeout() {
        return options.callTimeout();
    }

    @Override
    public Duration designationTimeout() {
        // Releases never queue this client behind another (see release): a designation never happens.
        return options.callTimeout();
    }

    @Override
    public Duration keepAliveInterval(LockKind kind) {
        // The session keeps a waiting node alive; trying again now and then only guards against a lost watch.
        return options.sessionTimeout();
    }

    @Override
    public Duration retryPause() {
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(MAX_RETRY_PAUSE_MILLIS + 1));
    }

    @Override
    public Duration outageAllowance() {
        return options.outageAllowance();
    }

    @Override
    public String describe() {
        return "ZooKeeper at " + options.connectString();
    }

    @Override
    public void close() {
        timers.shutdownNow();
        // Closing the session deletes every ephemeral node it still has, at once.
        client.close();
    }

    CuratorFramework client() {
        return client;
    }

    Calls calls() {
        return calls;
    }

    ZooKeeperLockOptions options() {
        return options;
    }

    /** Waits for a call from a caller thread (the admin's), at most twice the call timeout. */
    <T> T await(CompletableFuture<T> future) {
        Duration bound = options.callTimeout().multipliedBy(2);
        return Await.bounded(future, bound, error -> calls.failure("a call", error));
    }

    /** The release watches that the engine has open, for the tests' leak check. */
    int openWatches() {
        return watches.values().stream().mapToInt(Set::size).sum();
    }

    /** How many nodes of this client wait in a queue between two attempts, for the tests. */
    int waitingNodes() {
        return waiting.size();
    }

    private CompletableFuture<CuratorEvent> delete(LockNode node) {
        return calls.run("deleting " + node.path(),
                callback -> client.delete().guaranteed().inBackground(callback).forPath(node.path()),
                KeeperException.Code.NONODE);
    }

    /** Deletes a node of this client, retried by Curator until it is gone; nobody waits for it. */
    private void deleteQuietly(String path) {
        try {
            client.delete().guaranteed().inBackground().forPath(path);
        } catch (Exception e) {
            log.warn("deleting {} failed; it goes with the session", path, e);
        }
    }

    private boolean isAlive(LockNode node) {
        return !deadSessions.contains(node.session());
    }

    private void sessionStateChanged(ConnectionState state) {
        switch (state) {
            case LOST -> sessionLost();
            case CONNECTED, RECONNECTED -> sessionConnected();
            // SUSPENDED needs nothing here: nothing answers, so the deadline of every lease stays
            // two thirds of a session timeout after the last confirmed call, before the session can expire.
            default -> log.debug("connection to {} is {}", describe(), state);
        }
    }

    /** A new session after a lost one is the end of the old one, whether or not Curator said LOST. */
    private void sessionConnected() {
        long connection;
        long current;
        try {
            // Curator counts a new connection before it opens it: a count read before and after the
            // id is the count of the id's connection.
            do {
                connection = client.getZookeeperClient().getInstanceIndex();
                current = client.getZookeeperClient().getZooKeeper().getSessionId();
            } while (connection != client.getZookeeperClient().getInstanceIndex());
        } catch (Exception e) {
            log.warn("reading the session id from {} failed", describe(), e);
            return;
        }
        if (current == 0) {
            // Not connected yet: known once it is.
            return;
        }
        long previous;
        synchronized (this) {
            if (connection <= sessionConnection) {
                // Known already, or a later one is (this thread read before another that wrote).
                return;
            }
            previous = session;
        }
        // Before the new session is known: its answers must not move the deadline of the old one's leases.
        if (previous != 0 && previous != current) {
            sessionEnded(previous);
        }
        synchronized (this) {
            if (connection > sessionConnection) {
                session = current;
                sessionConnection = connection;
            }
        }
    }

    /**
     * Ends the session known, unless it is already the session of Curator's current connection:
     * Curator opens the next connection before it says LOST, and says LOST again once that one
     * connects, by when the new session may be known (see {@link #leasesSession}).
     */
    private void sessionLost() {
        long connection = client.getZookeeperClient().getInstanceIndex();
        long lost;
        synchronized (this) {
            if (connection == sessionConnection) {
                return;
            }
            lost = session;
        }
        sessionEnded(lost);
    }

    /**
     * Every node of the session is gone: its leases are reported lost at once, its waiters try again
     * (with new nodes, in the next session).
     */
    private void sessionEnded(long ended) {
        if (ended == 0 || !deadSessions.add(ended)) {
            return;
        }
        log.warn("the session {} with {} ended: its leases are lost", Long.toHexString(ended), describe());
        Set<String> lost = held.entrySet().stream()
                .filter(entry -> entry.getValue().node().session() == ended)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        lost.forEach(owner -> forget(owner, held.get(owner)));
        waiting.forgetSession(ended);
        if (!lost.isEmpty()) {
            reports.lost(lost);
        }
        watches.values().forEach(open -> open.forEach(PredecessorWatch::fire));
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }
}
