package dev.fencelock.redis;

import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Attempt;
import dev.fencelock.spi.Await;
import dev.fencelock.spi.ReleaseWatch;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.resource.ClientResources;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis servers a client locks on, and the quorum rule over them: one server (a quorum of
 * one), or N independent masters of which a majority must agree (Redlock). Every lock operation
 * is sent to all servers at once and judged by how many agreed, so a single server is simply the
 * case N = 1 of one engine.
 *
 * <p>With several servers, each is given at most the node timeout to answer (a paused server must
 * not stall the others), and a lease's validity is shortened by the clock-drift allowance of the
 * distlock specification: {@code driftFactor × lease + 2 ms}.
 */
final class LockServers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LockServers.class);
    private static final Duration DRIFT_CONSTANT = Duration.ofMillis(2);

    /**
     * Under Redlock, the step of the clock that seeds fencing tokens (see {@link #tokenClockStep}).
     * A master restarted without persistence seeds from its clock rounded down by up to one step,
     * so it must stay out one step longer than the longest lease (see README). Kept shorter than
     * the shortest lease ({@code RedlockIT} checks it).
     */
    static final Duration REDLOCK_TOKEN_CLOCK_STEP = Duration.ofMillis(20);

    /** How often a master that could not be reached when the client was created is tried again. */
    private static final Duration REJOIN_INTERVAL = Duration.ofSeconds(1);

    private final ClientResources resources;
    // Copied on write: a master that was unreachable at creation joins when it comes back. A call
    // reads each once, so that it sees one set of servers.
    private volatile Masters masters;
    private volatile List<ReleaseSubscriptions> subscriptions;
    /** Guarded by this: the absent masters refused for another reason than being unreachable, already logged. */
    private final Set<RedisURI> refusedOnce = new HashSet<>();
    private final ScheduledExecutorService rejoining;
    /** Set by {@link #close} before it waits for a rejoin under way, which then stops at the master it is connecting to. */
    private volatile boolean closed;
    /** This client in the waiter queues of the locks it waits for: one remote waiter per name (the gate). */
    private final String waiterId = randomId();
    private final int quorum;
    private final String tokenClockStep;
    private final RedisLockOptions options;
    /** What each master is told of its part under Redlock (see {@link RedisNode#connect}); null otherwise. */
    private final RedisNode.RedlockMaster redlockMaster;

    private LockServers(ClientResources resources, List<RedisNode> nodes, RedisLockOptions options, List<RedisURI> absent,
            RedisNode.RedlockMaster redlockMaster) {
        this.resources = resources;
        this.redlockMaster = redlockMaster;
        this.masters = new Masters(List.copyOf(nodes), List.copyOf(absent));
        this.options = options;
        this.subscriptions = nodes.stream().map(this::subscriptionsOn).toList();
        this.quorum = nodes.size() == 1 ? 1 : options.uris().size() / 2 + 1;
        this.tokenClockStep = isSingle() ? "1" : Long.toString(TimeUnit.NANOSECONDS.toMicros(REDLOCK_TOKEN_CLOCK_STEP.toNanos()));
        this.rejoining = absent.isEmpty() ? null : Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fencelock-redlock-rejoin");
            thread.setDaemon(true);
            return thread;
        });
        if (rejoining != null) {
            long interval = REJOIN_INTERVAL.toNanos();
            rejoining.scheduleWithFixedDelay(this::rejoin, interval, interval, TimeUnit.NANOSECONDS);
        }
    }

    private ReleaseSubscriptions subscriptionsOn(RedisNode node) {
        return new ReleaseSubscriptions(node, waiterId, designationTimeout());
    }

    /**
     * Connects to the masters that were unreachable at creation; those that answer now take part
     * in every later call, as any master. Synchronized with {@link #close}, so that no connection
     * outlives the client; close waits for the connection under way only, not for one connect
     * timeout per master still absent.
     */
    private synchronized void rejoin() {
        for (RedisURI uri : masters.absent()) {
            if (closed) {
                break;
            }
            try {
                RedisNode node = RedisNode.connect(uri, options.commandTimeout(), options.connectTimeout(), resources,
                        redlockMaster.joiningLate());
                subscriptions = append(subscriptions, subscriptionsOn(node));
                masters = masters.joined(uri, node);
            } catch (LockUnavailableException stillDown) {
                // Tried again at the next interval.
            } catch (RuntimeException refused) {
                // Tried again too, since an exception out of this task would end the schedule for
                // every master still missing; said once, as a master refused for what it is (older
                // than Redis 5.0) stays out until it is fixed.
                if (refusedOnce.add(uri)) {
                    log.warn("Redlock master {} cannot join: {}", RedisEndpoint.describe(uri), refused.getMessage());
                }
            }
        }
        if (masters.absent().isEmpty()) {
            rejoining.shutdown();
        }
    }

    private static <T> List<T> append(List<T> list, T element) {
        List<T> longer = new ArrayList<>(list);
        longer.add(element);
        return List.copyOf(longer);
    }

    /**
     * Connects to every server. With one server, failing to connect fails. With several, a
     * majority must be reachable; a server that cannot be reached now counts in the quorum as a
     * server that never agrees, and is tried again every second until it joins.
     *
     * @throws LockUnavailableException if no quorum of the servers can be reached
     */
    static LockServers connect(RedisLockOptions options) {
        ClientResources resources = RedisNode.clientResources();
        try {
            if (options.isCluster()) {
                return new LockServers(resources, List.of(RedisNode.connectCluster(options.uris(),
                        options.commandTimeout(), options.connectTimeout(), resources)), options, List.of(), null);
            }
            RedisNode.RedlockMaster redlockMaster = options.isRedlock() ? new RedisNode.RedlockMaster(
                    options.redlockRestartQuarantine(), false, options.namespace() + "restart-marker") : null;
            // All at once: masters that do not answer each cost a connect timeout, not one after another.
            List<CompletableFuture<RedisNode>> connecting = options.uris().stream()
                    .map(uri -> CompletableFuture.supplyAsync(() -> RedisNode.connect(uri, options.commandTimeout(),
                            options.connectTimeout(), resources, redlockMaster), LockServers::runOnThreadOfItsOwn))
                    .toList();
            CountDownLatch settled = new CountDownLatch(connecting.size());
            connecting.forEach(node -> node.whenComplete((connected, failed) -> settled.countDown()));
            try {
                settled.await();
            } catch (InterruptedException e) {
                // Closed before the interrupt is set again: closing waits for the client to shut down.
                connecting.forEach(node -> node.thenAccept(RedisNode::close));
                Thread.currentThread().interrupt();
                throw new LockUnavailableException("interrupted while connecting to " + options.server(), e);
            }
            List<RedisNode> nodes = new ArrayList<>();
            List<LockUnavailableException> failures = new ArrayList<>();
            List<RedisURI> absent = new ArrayList<>();
            RuntimeException refused = null;
            for (int i = 0; i < connecting.size(); i++) {
                try {
                    nodes.add(connecting.get(i).join());
                } catch (CompletionException e) {
                    if (e.getCause() instanceof LockUnavailableException unreachable) {
                        failures.add(unreachable);
                        absent.add(options.uris().get(i));
                    } else if (refused == null) {
                        refused = e.getCause() instanceof RuntimeException cause ? cause : e;
                    }
                }
            }
            if (refused != null) {
                // A master Fencelock cannot use (older than Redis 5.0) is a mistake to fix, not an outage to ride out.
                nodes.forEach(RedisNode::close);
                throw refused;
            }
            if (nodes.size() < options.uris().size() / 2 + 1) {
                nodes.forEach(RedisNode::close);
                throw failures.size() == 1 ? failures.get(0) : new LockUnavailableException("cannot reach a majority of "
                        + options.server() + ": " + failures.stream().map(Throwable::getMessage).collect(Collectors.joining("; ")));
            }
            return new LockServers(resources, nodes, options, absent, redlockMaster);
        } catch (RuntimeException e) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static void runOnThreadOfItsOwn(Runnable connect) {
        Thread thread = new Thread(connect, "fencelock-connect");
        thread.setDaemon(true);
        thread.start();
    }

    /** One server (or one cluster): no quorum, no drift allowance, no fence write-back. */
    boolean isSingle() {
        return size() == 1;
    }

    /** How many servers vote: 1 for a single server or a cluster, N for Redlock. */
    int size() {
        return options.isCluster() ? 1 : options.uris().size();
    }

    /**
     * Whether an acquisition that cannot reach its server tries again, until its deadline or the
     * outage allowance, rather than failing at once: with Redlock the other masters may still make
     * a majority, and on a Cluster a replica takes over from a failed master within seconds (the
     * cluster's node timeout and an election). A lone server (or Sentinel's master) fails it within the command timeout.
     */
    boolean retriesWhenUnavailable() {
        return !isSingle() || isCluster();
    }

    /** An attempt that could not reach enough of the servers: tried again after a pause where {@link #retriesWhenUnavailable}. */
    Attempt.Unavailable unavailable(Throwable cause) {
        return new Attempt.Unavailable(cause, retriesWhenUnavailable() ? Duration.ofNanos(retryDelayNanos()) : null);
    }

    /** Whether lock keys live on a cluster, where one script may only touch keys of one slot. */
    boolean isCluster() {
        return options.isCluster();
    }

    int quorum() {
        return quorum;
    }

    /** The servers reached: under Redlock, the masters absent since the client was created are not among them. */
    List<RedisNode> nodes() {
        return masters.reached();
    }

    String describe() {
        return options.server();
    }

    /** How long a lease granted now is valid: the lease less the clock-drift allowance. */
    Duration validity(Duration lease) {
        if (isSingle()) {
            return lease;
        }
        long drift = Math.round(lease.toNanos() * options.clockDriftFactor()) + DRIFT_CONSTANT.toNanos();
        return lease.minusNanos(drift);
    }

    /**
     * The step, in microseconds, of the clock that seeds fencing tokens (lib.lua's tokenClock): 1
     * with one server, Sentinel or a Cluster. Under Redlock each master seeds from its own clock, and
     * a token exact to the microsecond would differ on every master, so that each acquisition had
     * to write the largest back before handing it out. In steps of {@link #REDLOCK_TOKEN_CLOCK_STEP},
     * masters whose counters agree mint the same token, and a majority that did needs no write-back.
     */
    String tokenClockStep() {
        return tokenClockStep;
    }

    /** A random pause before the next try, so that competing clients do not collide again. */
    long retryDelayNanos() {
        long base = options.retryDelay().toNanos();
        long jitter = options.retryJitter().toNanos();
        return base + (jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter) : 0);
    }

    /**
     * Sends one call to every server at once, and completes when all have answered or failed
     * (within the command timeout). A master absent since the client was created is asked nothing
     * and fails at once (see {@link Reply#absent}). Never completes exceptionally.
     */
    <T> CompletableFuture<List<Reply<T>>> onAll(Function<RedisNode, CompletableFuture<T>> call) {
        return onAll(call, false, replies -> false, (late, decision) -> { });
    }

    /**
     * As {@link #onAll(Function)}, but completes as soon as the replies so far settle the question
     * ({@code decided}), so that a frozen or dead minority does not hold up what a majority
     * decided. The servers not waited for appear as {@linkplain Reply#isPending() pending}
     * replies; their calls still run, and their late answers change nothing.
     */
    <T> CompletableFuture<List<Reply<T>>> onAllUntilDecided(Function<RedisNode, CompletableFuture<T>> call,
            Predicate<List<Reply<T>>> decided) {
        return onAll(call, false, decided, (late, decision) -> { });
    }

    /**
     * As {@link #onAllUntilDecided}, but with several servers each gets at most the node timeout
     * (for acquisitions, whose validity a slow master must not eat up), and each answer that
     * arrives after the decision is handed to {@code late} with the replies decided on, on a
     * Lettuce thread: a late grant must be dealt with.
     */
    <T> CompletableFuture<List<Reply<T>>> onAllWithinNodeTimeout(Function<RedisNode, CompletableFuture<T>> call,
            Predicate<List<Reply<T>>> decided, BiConsumer<Reply<T>, List<Reply<T>>> late) {
        return onAll(call, !isSingle(), decided, late);
    }

    private <T> CompletableFuture<List<Reply<T>>> onAll(Function<RedisNode, CompletableFuture<T>> call,
            boolean nodeTimeout, Predicate<List<Reply<T>>> decided, BiConsumer<Reply<T>, List<Reply<T>>> late) {
        Masters masters = this.masters;
        List<RedisNode> nodes = masters.reached();
        if (isSingle()) {
            // One server's answer decides, and nothing can be late: no bookkeeping of a round.
            RedisNode node = nodes.get(0);
            return call.apply(node).handle((value, error) -> List.of(replyOf(node, value, error)));
        }
        List<CompletableFuture<Reply<T>>> replies = new ArrayList<>(nodes.size());
        for (RedisNode node : nodes) {
            CompletableFuture<T> reply = call.apply(node);
            if (nodeTimeout) {
                reply = reply.orTimeout(options.redlockNodeTimeout().toNanos(), TimeUnit.NANOSECONDS);
            }
            replies.add(reply.handle((value, error) -> replyOf(node, value, error)));
        }
        CompletableFuture<List<Reply<T>>> outcome = new CompletableFuture<>();
        for (int i = 0; i < replies.size(); i++) {
            int index = i;
            replies.get(i).thenAccept(reply -> {
                if (!outcome.isDone()) {
                    boolean all = replies.stream().allMatch(CompletableFuture::isDone);
                    List<Reply<T>> sofar = new ArrayList<>(replies.size() + masters.absent().size());
                    for (int j = 0; j < replies.size(); j++) {
                        sofar.add(replies.get(j).isDone() ? replies.get(j).join() : Reply.notWaitedFor(nodes.get(j)));
                    }
                    masters.absent().forEach(uri -> sofar.add(Reply.absent(uri)));
                    if (all || decided.test(sofar)) {
                        outcome.complete(List.copyOf(sofar));
                    }
                }
                // Checked after the attempt to decide: another server's thread may have decided
                // on a snapshot taken before this reply arrived, and then this reply is late.
                if (outcome.isDone() && outcome.join().get(index).isPending()) {
                    late.accept(reply, outcome.join());
                }
            });
        }
        return outcome;
    }

    private <T> Reply<T> replyOf(RedisNode node, T value, Throwable error) {
        if (error == null) {
            node.heard(true);
            return Reply.of(node, value);
        }
        if (isTimeout(error)) {
            node.heard(false);
        }
        return Reply.failed(node, describe(node, error));
    }

    private static boolean isTimeout(Throwable error) {
        Throwable cause = Await.unwrap(error);
        // The node reports Lettuce's command timeout as unavailable, with Lettuce's exception as the cause.
        Throwable lettuce = cause instanceof LockUnavailableException ? cause.getCause() : cause;
        return cause instanceof TimeoutException || lettuce instanceof RedisCommandTimeoutException;
    }

    private Throwable describe(RedisNode node, Throwable error) {
        Throwable cause = Await.unwrap(error);
        return cause instanceof TimeoutException
                ? new LockUnavailableException("Redis at " + node.server() + " did not answer within "
                        + options.redlockNodeTimeout(), cause)
                : cause;
    }

    /**
     * Subscribes to a release channel on every server; wakes on a release announced by any. With
     * {@code fairOwner}, only on a release that names that fair acquisition (or nobody).
     */
    CompletableFuture<Subscription> subscribe(String channel, String fairOwner) {
        List<CompletableFuture<ReleaseSubscriptions.Subscription>> each = subscriptions.stream()
                .map(registry -> withinNodeTimeout(registry.subscribe(channel, fairOwner))).toList();
        return CompletableFuture.allOf(each.stream().map(f -> f.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    List<ReleaseSubscriptions.Subscription> subscribed = each.stream()
                            .filter(f -> !f.isCompletedExceptionally()).map(CompletableFuture::join).toList();
                    if (subscribed.isEmpty() && isSingle()) {
                        throw new CompletionException(Await.unwrap(each.get(0).handle((s, e) -> e).join()));
                    }
                    return new Subscription(subscribed);
                });
    }

    /** With several servers, gives up on a subscription that takes longer than the node timeout. */
    private CompletableFuture<ReleaseSubscriptions.Subscription> withinNodeTimeout(
            CompletableFuture<ReleaseSubscriptions.Subscription> subscribing) {
        if (isSingle()) {
            return subscribing;
        }
        CompletableFuture<ReleaseSubscriptions.Subscription> bounded = subscribing.copy()
                .orTimeout(options.redlockNodeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        // A subscription that arrives after we gave up is closed, so its reference is not leaked.
        bounded.whenComplete((ok, error) -> {
            if (error != null) {
                subscribing.thenAccept(ReleaseSubscriptions.Subscription::close);
            }
        });
        return bounded;
    }

    String waiterId() {
        return waiterId;
    }

    /** 128 random bits in hex: this client in the waiter queues, never guessable. */
    private static String randomId() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Takes {@code member} off a waiter queue and its deadlines on one server, in one script (see
     * leave-queue.lua). Best effort, not waited for: a client left in a queue is named once in
     * vain, which delays the next waiter by the designation timeout.
     */
    void leaveQueue(RedisNode node, String queue, String deadlines, String member) {
        node.run(LuaScript.LEAVE_QUEUE, ScriptOutputType.INTEGER, new String[] {queue, deadlines}, member);
    }

    /**
     * How long a waiter trusts a release that named another client before it tries anyway: the
     * command timeout, after which a named client that has not taken the lock is presumed gone.
     */
    Duration designationTimeout() {
        return options.commandTimeout();
    }

    /**
     * The longest a waiting client goes without trying again: it then proves it is alive, so
     * that a release can tell a live waiter from a dead one. At least the designation timeout and
     * the Redlock retry pause, so that it never cuts those short.
     */
    Duration waiterKeepAlive() {
        Duration retry = options.retryDelay().plus(options.retryJitter());
        return retry.compareTo(designationTimeout()) > 0 ? retry : designationTimeout();
    }

    /**
     * How long a waiting client stays in the queue without trying again before a release skips it
     * as dead: its keep-alive interval, plus two command timeouts for the try on its way.
     */
    Duration waiterTtl() {
        return waiterKeepAlive().plus(options.commandTimeout().multipliedBy(2));
    }

    /** What waits on the channels' next releases, for the memory checks of the tests. */
    int releaseWaitDependents() {
        return subscriptions.stream().mapToInt(ReleaseSubscriptions::releaseWaitDependents).sum();
    }

    /** The owner tokens of the acquisitions that wait for a release naming them, on any server, for the tests. */
    Set<String> namedWaiters() {
        return subscriptions.stream().flatMap(onNode -> onNode.namedWaiters().stream()).collect(Collectors.toSet());
    }

    /** Channels subscribed on any server, for the leak checks of the tests. */
    int channelCount() {
        return subscriptions.stream().mapToInt(ReleaseSubscriptions::channelCount).sum();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (rejoining != null) {
                rejoining.shutdownNow();
            }
        }
        masters.reached().forEach(RedisNode::close);
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /**
     * The masters reached, which calls go to, and those not reached since the client was created.
     * Each of these fails every call, as a master known to be down does, until it joins: the quorum
     * is a majority of all the masters, and a verdict that left them out would take a majority
     * down for a refusal by the few that answered.
     */
    private record Masters(List<RedisNode> reached, List<RedisURI> absent) {
        Masters joined(RedisURI uri, RedisNode node) {
            return new Masters(append(reached, node), absent.stream().filter(other -> !other.equals(uri)).toList());
        }
    }

    /**
     * One server's answer: a value, or the failure (a timeout, a refused connection, an error
     * reply), or pending: not waited for, because the others had decided already, or absent: a
     * master not reached since the client was created, which has no node and was asked nothing.
     */
    record Reply<T>(RedisNode node, T value, Throwable failure, boolean isPending, RedisURI absentMaster) {
        boolean isOk() {
            return failure == null && !isPending && absentMaster == null;
        }

        /**
         * Whether the server itself settled this: it answered, or its call failed. Not when it is
         * pending, nor when it is absent: then it has no answer that a follow-up must deal with,
         * and an absent master no node to send one to.
         */
        boolean isSettledByServer() {
            return !isPending && absentMaster == null;
        }

        /**
         * Why this is not a value: the failure, or that the server had not answered or cannot be
         * reached. Made only when asked for: most rounds leave servers pending and never ask, and an
         * exception's stack trace cost them more than the rest of their bookkeeping.
         */
        Throwable error() {
            if (isPending) {
                return new LockUnavailableException("Redis at " + node.server() + " had not answered when a majority had decided");
            }
            return absentMaster != null ? new LockUnavailableException("Redis at " + RedisEndpoint.describe(absentMaster)
                    + " has not been reached since the client was created") : failure;
        }

        static <T> Reply<T> of(RedisNode node, T value) {
            return new Reply<>(node, value, null, false, null);
        }

        static <T> Reply<T> failed(RedisNode node, Throwable error) {
            return new Reply<>(node, null, error, false, null);
        }

        /** Counts as a failure in a tally: a server that has not answered cannot be counted on. */
        static <T> Reply<T> notWaitedFor(RedisNode node) {
            return new Reply<>(node, null, null, true, null);
        }

        /** Counts as a failure in a tally, in every round until the master joins (see {@link Masters}). */
        static <T> Reply<T> absent(RedisURI master) {
            return new Reply<>(null, null, null, false, master);
        }
    }

    /** An acquisition's interest in one lock's release channel on every server. */
    static final class Subscription implements ReleaseWatch {
        private final List<ReleaseSubscriptions.Subscription> parts;
        // Guarded by this: the servers' next releases, and the future of the first of them.
        private List<CompletableFuture<Void>> partReleases = List.of();
        private CompletableFuture<Void> anyRelease;

        private Subscription(List<ReleaseSubscriptions.Subscription> parts) {
            this.parts = parts;
        }

        /**
         * Completes at the next release announced on any server. Take it before trying to acquire.
         * The same future until a server announces a release, so that a waiter that asks before
         * every try adds no dependents to the servers' futures.
         */
        @Override
        public synchronized CompletableFuture<Void> nextRelease() {
            if (parts.size() == 1) {
                return parts.get(0).nextRelease();
            }
            List<CompletableFuture<Void>> releases =
                    parts.stream().map(ReleaseSubscriptions.Subscription::nextRelease).toList();
            if (!releases.equals(partReleases)) {
                partReleases = releases;
                anyRelease = CompletableFuture.anyOf(releases.toArray(CompletableFuture[]::new)).thenApply(any -> null);
            }
            return anyRelease;
        }

        @Override
        public void close() {
            parts.forEach(ReleaseSubscriptions.Subscription::close);
        }
    }
}
