package dev.fencelock.redis;

import dev.fencelock.LockException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Await;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import reactor.core.publisher.Sinks;

/**
 * One Redis server, reached through one multiplexed command connection and one pub/sub connection.
 * Runs scripts by SHA and reloads them transparently when the server answers NOSCRIPT (after
 * {@code SCRIPT FLUSH} or a restart). Every failure surfaces as {@link LockUnavailableException}
 * naming the server without its credentials, within the command timeout.
 */
final class RedisNode implements AutoCloseable {
    /** The pause before a script refused with TRYAGAIN is sent again: a migration moves a slot's keys in about that. */
    private static final long TRY_AGAIN_PAUSE_MILLIS = 10;
    // Run by the JDK's delay thread itself, which only sends the script again: no thread per retry.
    private static final Executor TRY_AGAIN_LATER =
            CompletableFuture.delayedExecutor(TRY_AGAIN_PAUSE_MILLIS, TimeUnit.MILLISECONDS, Runnable::run);
    /**
     * The least time between two topology refreshes that a Cluster client's own troubles trigger
     * (MOVED, ASK, reconnects). A killed master's connections try again with growing pauses, each
     * a trigger: Lettuce's default of 30 s would let the first refresh, before a replica has taken
     * over, hold back the one that finds the new master for half a minute.
     */
    private static final Duration TOPOLOGY_REFRESH_SPACING = Duration.ofSeconds(1);
    /** The longest pause between two reconnects to a server that went away. */
    private static final Duration MAX_RECONNECT_PAUSE = Duration.ofSeconds(1);
    /** How deep a connect failure's causes are searched for the servers' answers: Lettuce nests them three deep. */
    private static final int MAX_CAUSES_DESCRIBED = 8;
    /** The pause before the scripts are loaded after a reconnect, and between two tries. */
    private static final Executor RELOAD_LATER = CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, Runnable::run);
    /**
     * While reconnecting, commands wait in a buffer, bounded by the command timeout: a Redis that
     * is back within the timeout is used, one that is not fails the command. Those cut off in
     * flight are sent again after the reconnect (at least once).
     */
    private static final ClientOptions.DisconnectedBehavior QUEUE_THROUGH_RECONNECT =
            ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final String server;
    private final Duration commandTimeout;
    /** Ends the listeners of {@link #onTopologyChange} when the node closes. */
    private final Sinks.Empty<Void> closed = Sinks.empty();
    /** Set at connect, before the node is used: release channels are sharded on a Cluster of Redis 7.0+. */
    private boolean shardedPubSub;
    /** How the scripts announce a release here: their {@code pubsub} argument (see publish in lib.lua). */
    private String pubSubMode = "0";
    /** A Redlock master's releases that its connection failed, to send again; null where commands queue through a reconnect. */
    private final Redeliveries redeliveries;
    /** A Redlock master's restarts, after which it grants nothing for a while; null for a server that decides alone. */
    private final RestartQuarantine restarts;
    private final RedlockMaster redlock;
    /**
     * A Redlock master's disconnects so far. Lettuce sends a command cut off by a disconnect again
     * after the reconnect: a grant whose reply comes after one more disconnect may have gone to a
     * restarted server before its restart was checked, and is not counted; a restart check or a
     * script reload during which the connection dropped is left to the next reconnect's.
     */
    private final AtomicInteger disconnects = new AtomicInteger();
    /** When a timeout last asked a Cluster for its topology (see {@link #refreshTopologyAfterTimeout}), on nanoTime. */
    private final AtomicLong timeoutRefreshedAt = new AtomicLong(System.nanoTime() - TOPOLOGY_REFRESH_SPACING.toNanos());
    /** That refresh, until it ends: one at a time, since each connects to every node and may wait for a frozen one. */
    private volatile CompletableFuture<Void> timeoutRefresh = CompletableFuture.completedFuture(null);
    /**
     * A Redlock master's: false from a disconnect until its scripts are loaded after the reconnect,
     * and scripts fail meanwhile; set false by close().
     */
    private volatile boolean scriptsReady = true;
    /**
     * Set by {@link #close()}: nothing kept is sent again after it, although a reload that finishes
     * as the node closes may set {@link #scriptsReady} again.
     */
    private volatile boolean closing;
    /**
     * A Redlock master's: true from a call that it did not answer in time (frozen, cut off without
     * a reset, overloaded) until it answers any call. Rounds are decided without counting on it
     * meanwhile (see {@link Tally}), so that a split vote with a frozen master costs a round trip,
     * not a node timeout per attempt.
     */
    private volatile boolean silent;

    /**
     * A Redlock master's part, one of several that decide by majority: how long it grants nothing
     * after a restart that may have lost keys (see {@link RestartQuarantine}); whether it joins
     * after the client was created (it could not be reached then); and the key of the restart
     * marker, which holds the run id of the server process that first wrote it: found after a
     * restart as it was before, it shows that the restart kept what was written before it.
     */
    record RedlockMaster(Duration restartQuarantine, boolean joinsLate, String restartMarker) {
        /** The same, for a master that joins after the client was created. */
        RedlockMaster joiningLate() {
            return new RedlockMaster(restartQuarantine, true, restartMarker);
        }
    }

    private RedisNode(AbstractRedisClient client, StatefulConnection<String, String> connection,
            RedisClusterAsyncCommands<String, String> commands,
            StatefulRedisPubSubConnection<String, String> pubSub, String server, Duration commandTimeout,
            RedlockMaster redlock) {
        this.client = client;
        this.connection = connection;
        this.commands = commands;
        this.pubSub = pubSub;
        this.server = server;
        this.commandTimeout = commandTimeout;
        boolean failFast = redlock != null;
        this.redlock = redlock;
        this.redeliveries = failFast ? new Redeliveries(this::resend, () -> scriptsReady && !closing) : null;
        this.restarts = failFast ? new RestartQuarantine(redlock.restartQuarantine(), server, redlock.joinsLate()) : null;
        if (failFast) {
            client.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> disconnected) {
                    if (disconnected == connection) {
                        scriptsReady = false;
                        disconnects.incrementAndGet();
                    }
                }

                @Override
                public void onRedisConnected(RedisChannelHandler<?, ?> connected, SocketAddress address) {
                    if (connected == connection) {
                        // Announced before the endpoint accepts commands: loaded after a pause.
                        long deadline = System.nanoTime() + commandTimeout.toNanos();
                        int generation = disconnects.get();
                        RELOAD_LATER.execute(() -> reloadScripts(deadline, generation));
                    }
                }
            });
        }
    }

    /**
     * After a reconnect, loads the scripts before the master is used again: a server back from a
     * restart has lost them, and a release whose script is loaded could otherwise overtake the
     * acquire it undoes while that acquire is sent again as EVAL after NOSCRIPT, leaving the key
     * behind. Then checks whether the server restarted (see {@link RestartQuarantine}). Tried again
     * after a pause while the connection is up, until the deadline; after it, the master is used
     * all the same (EVAL after NOSCRIPT still works), but grants nothing for a quarantine, since
     * it may have restarted unseen. A reload overtaken by another disconnect stops: the next
     * reconnect's reload makes the master ready.
     */
    private void reloadScripts(long deadline, int generation) {
        CompletableFuture<?>[] loads = LuaScript.ALL.stream()
                .map(script -> commands.scriptLoad(script.source()).toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(loads).thenCompose(loaded -> checkRestart())
                .whenComplete((checked, error) -> {
                    if (disconnects.get() != generation) {
                        return;
                    }
                    if (error != null && connection.isOpen() && System.nanoTime() - deadline < 0) {
                        RELOAD_LATER.execute(() -> reloadScripts(deadline, generation));
                    } else if (error == null || connection.isOpen()) {
                        if (error != null) {
                            restarts.unchecked();
                        }
                        scriptsReady = true;
                        redeliveries.connected();
                    }
                });
    }

    /**
     * Looks at the server and judges whether it restarted and may have lost keys (see
     * {@link RestartQuarantine#observe}). The look counts only if the connection did not drop
     * while it was made, so that all its parts come from one server process.
     */
    private CompletableFuture<Void> checkRestart() {
        int disconnectsBefore = disconnects.get();
        CompletableFuture<List<Object>> probe = new CompletableFuture<>();
        send(new ScriptCall(LuaScript.RESTART_PROBE, ScriptOutputType.MULTI, new String[] {redlock.restartMarker()},
                new String[0], System.nanoTime()), probe);
        CompletableFuture<String> appendFsync = commands.configGet("appendfsync").toCompletableFuture()
                .handle((config, refused) -> refused == null ? config.get("appendfsync") : null);
        return probe.thenCombine(appendFsync, (reply, fsync) -> {
            if (disconnects.get() != disconnectsBefore) {
                throw new LockUnavailableException("the connection to " + server + " dropped during its restart check");
            }
            restarts.observe(RestartQuarantine.Probe.of(reply, fsync));
            return null;
        });
    }

    /**
     * Connects on the given Lettuce resources (event loops and timers), which the caller owns and
     * shuts down: the servers of one client share one set, so that Redlock over five masters does
     * not run five sets of threads on a small machine.
     *
     * <p>{@code redlock}: a Redlock master, one of several that decide by majority (else null).
     * While its connection is down its commands fail at once, so that the others decide without
     * waiting for it. Lettuce sends a command cut off in flight again after the reconnect, before
     * anything sent later: an acquisition's grant that arrives so is not counted, and the release
     * that undoes it follows it on the connection (see {@link #runGranting}, {@link #runAtLeastOnce}).
     * After a restart that may have lost keys it grants nothing for a while. Otherwise commands wait
     * through a reconnect, within the command timeout, and Lettuce sends those cut off in flight
     * again.
     *
     * @throws LockUnavailableException if the server cannot be reached within the connect timeout
     */
    static RedisNode connect(RedisURI uri, Duration commandTimeout, Duration connectTimeout, ClientResources resources,
            RedlockMaster redlock) {
        // The URI's timeout bounds the connection handshake; commands are bounded by the
        // TimeoutOptions of withTimeouts. The URI was parsed for these options alone, so setting
        // it touches nothing shared (a builder copy would drop Sentinel addresses).
        uri.setTimeout(connectTimeout);
        RedisClient client = RedisClient.create(resources, uri);
        client.setOptions(withTimeouts(ClientOptions.builder(), commandTimeout, connectTimeout)
                .disconnectedBehavior(redlock != null ? ClientOptions.DisconnectedBehavior.REJECT_COMMANDS : QUEUE_THROUGH_RECONNECT)
                .build());
        return open(client, false, redlock, RedisEndpoint.describe(uri), commandTimeout, connectTimeout, () -> {
            StatefulRedisConnection<String, String> connection = client.connect();
            return new Connections(connection, connection.async(), client.connectPubSub());
        });
    }

    /**
     * Lettuce's resources for one client's connections. A server back from a crash (a lone server,
     * a Sentinel's new master, a Cluster's node, a Redlock master) is reconnected to within
     * {@link #MAX_RECONNECT_PAUSE}, however long it was down: Lettuce's default backoff grows to 30 s
     * between reconnects, and every call until the next one would fail after its command timeout.
     */
    static ClientResources clientResources() {
        return DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ZERO, MAX_RECONNECT_PAUSE, 2, TimeUnit.MILLISECONDS))
                .build();
    }

    /**
     * Connects to a Redis Cluster through its seed nodes, following MOVED and ASK and refreshing
     * the topology when they occur.
     *
     * @throws LockUnavailableException if no seed can be reached within the connect timeout
     */
    static RedisNode connectCluster(List<RedisURI> seeds, Duration commandTimeout, Duration connectTimeout,
            ClientResources resources) {
        seeds.forEach(seed -> seed.setTimeout(connectTimeout));
        RedisClusterClient client = RedisClusterClient.create(resources, seeds);
        client.setOptions(withTimeouts(ClusterClientOptions.builder(), commandTimeout, connectTimeout)
                .disconnectedBehavior(QUEUE_THROUGH_RECONNECT)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(TOPOLOGY_REFRESH_SPACING)
                        .build())
                .build());
        String server = seeds.stream().map(RedisEndpoint::describe).collect(Collectors.joining(", ", "cluster(", ")"));
        return open(client, true, null, server, commandTimeout, connectTimeout, () -> {
            StatefulRedisClusterConnection<String, String> connection = client.connect();
            return new Connections(connection, connection.async(), client.connectPubSub());
        });
    }

    private static <B extends ClientOptions.Builder> B withTimeouts(B builder, Duration commandTimeout, Duration connectTimeout) {
        builder.autoReconnect(true)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build());
        return builder;
    }

    /** The command and pub/sub connections of one server or cluster. */
    private record Connections(StatefulConnection<String, String> commandConnection,
            RedisClusterAsyncCommands<String, String> commands,
            StatefulRedisPubSubConnection<String, String> pubSub) {}

    private static RedisNode open(AbstractRedisClient client, boolean cluster, RedlockMaster redlock, String server,
            Duration commandTimeout, Duration connectTimeout, Supplier<Connections> connect) {
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        RedisNode node;
        try {
            Connections connections = connect.get();
            node = new RedisNode(client, connections.commandConnection(), connections.commands(),
                    connections.pubSub(), server, commandTimeout, redlock);
        } catch (RuntimeException e) {
            // Shutting the client down closes a command connection opened before the failure.
            shutdown(client);
            throw new LockUnavailableException("cannot connect to Redis at " + server + ": " + describe(e), e);
        }
        try {
            String info = node.awaitOnConnect(() -> node.commands.info("server"), deadline);
            RedisVersion.requireSupported(info, server);
            // A classic PUBLISH on a Cluster crosses the whole cluster bus; a sharded one stays in
            // the shard of the channel's slot. One node's version stands for all: a cluster runs one.
            node.shardedPubSub = cluster && RedisVersion.hasShardedPubSub(info);
            node.pubSubMode = node.shardedPubSub ? "1" : cluster || !RedisVersion.listenersFollowFailover(info) ? "b" : "0";
            if (node.shardedPubSub && node.pubSub instanceof StatefulRedisClusterPubSubConnection<String, String> clusterPubSub) {
                node.dropStrayShardSubscriptions(clusterPubSub);
            }
            // Loaded now, so that the first use of a script is one EVALSHA, not EVALSHA, NOSCRIPT,
            // EVAL: a cleanup sent after a slow first try could otherwise overtake the try's EVAL.
            for (LuaScript script : LuaScript.ALL) {
                node.awaitOnConnect(() -> node.commands.scriptLoad(script.source()), deadline);
            }
            if (redlock != null) {
                node.await(node.checkRestart());
            }
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    String server() {
        return server;
    }

    Duration commandTimeout() {
        return commandTimeout;
    }

    StatefulRedisPubSubConnection<String, String> pubSub() {
        return pubSub;
    }

    /**
     * Whether release channels use sharded pub/sub (SPUBLISH, SSUBSCRIBE): on a Cluster of Redis
     * 7.0 or later. The scripts that announce a release are told so in their arguments.
     */
    boolean shardedPubSub() {
        return shardedPubSub;
    }

    /**
     * The scripts' argument that says how to announce a release on this node: {@code "1"} with
     * sharded pub/sub; {@code "0"} classic, where every listener subscribes to this server, so that
     * a release can count them; {@code "b"} classic where the listeners cannot be counted here: on a
     * Cluster, which broadcasts the message to every node, where its listeners may be, and on Redis
     * older than 6.0, whose listeners may stay on a master that a Sentinel failover turned into a
     * replica (see {@link RedisVersion#listenersFollowFailover}).
     */
    String pubSubMode() {
        return pubSubMode;
    }

    /**
     * Subscribes to a release channel: with SSUBSCRIBE on the master of the channel's slot when
     * {@link #shardedPubSub()} (Lettuce routes it by slot, as a key), else with SUBSCRIBE.
     */
    CompletableFuture<Void> subscribe(String channel) {
        return unavailableOnFailure(shardedPubSub ? pubSub.async().ssubscribe(channel) : pubSub.async().subscribe(channel));
    }

    /**
     * Calls {@code listener} whenever a pub/sub connection of this node's client connects again,
     * from a Lettuce event thread, before Lettuce's subscriptions of it are confirmed again.
     */
    void onPubSubReconnected(Runnable listener) {
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connected, SocketAddress address) {
                if (connected instanceof StatefulRedisPubSubConnection<?, ?>) {
                    listener.run();
                }
            }
        });
    }

    /**
     * Calls {@code listener} whenever the Cluster client's view of the topology changes (a
     * failover, a resharding), from a Lettuce event thread. Never called off a Cluster. The
     * listener is dropped when the node closes.
     */
    void onTopologyChange(Consumer<TopologyChange> listener) {
        if (client instanceof RedisClusterClient) {
            client.getResources().eventBus().get()
                    .ofType(ClusterTopologyChangedEvent.class)
                    .takeUntilOther(closed.asMono())
                    .subscribe(change -> listener.accept(new TopologyChange(change.before(), change.after())));
        }
    }

    /** A change of a Cluster's topology: the nodes before it and after it. */
    record TopologyChange(List<RedisClusterNode> before, List<RedisClusterNode> after) {
        /** Whether another node serves {@code slot} now. */
        boolean moved(int slot) {
            return !Objects.equals(nodeId(formerMaster(slot)), nodeId(masterOf(after, slot)));
        }

        private static String nodeId(RedisClusterNode node) {
            return node == null ? null : node.getNodeId();
        }

        /** The node that served {@code slot} before the change, or null if none did. */
        RedisClusterNode formerMaster(int slot) {
            return masterOf(before, slot);
        }

        private static RedisClusterNode masterOf(List<RedisClusterNode> topology, int slot) {
            return topology.stream().filter(node -> node.hasSlot(slot)).findFirst().orElse(null);
        }
    }

    /**
     * Ends a sharded subscription on the Cluster node {@code node}, whichever node serves the
     * channel's slot now: where a master that lost the slot alive still has it (as a replica, it
     * still receives its shard's messages), so that a release does not arrive twice. Best effort:
     * a node that cannot be reached is left alone (Lettuce subscribes it again when it comes back,
     * and {@link #dropStrayShardSubscriptions} ends that).
     */
    void unsubscribeAt(RedisClusterNode node, String channel) {
        if (node == null || !(pubSub instanceof StatefulRedisClusterPubSubConnection<String, String> cluster)) {
            return;
        }
        // By address, as Lettuce keys the connections that it routes SSUBSCRIBE to: the same
        // node asked by id would get a connection of its own, subscribed to nothing.
        cluster.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort())
                .thenCompose(connection -> connection.async().sunsubscribe(channel))
                .exceptionally(unreachable -> null);
    }

    /**
     * Unsubscribes at once any sharded subscription that a node which does not serve the channel's
     * slot confirms. Lettuce subscribes a node's connection again to everything it had when it
     * reconnects: a master killed while clients listened there comes back as a replica, receives
     * its shard's messages, and would deliver every release a second time beside the new master.
     */
    private void dropStrayShardSubscriptions(StatefulRedisClusterPubSubConnection<String, String> cluster) {
        cluster.addListener(new RedisClusterPubSubAdapter<>() {
            @Override
            public void ssubscribed(RedisClusterNode node, String channel, long count) {
                RedisClusterNode master = cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(channel));
                if (node != null && master != null && !master.getNodeId().equals(node.getNodeId())) {
                    unsubscribeAt(node, channel);
                }
            }
        });
    }

    /** Unsubscribes from a release channel as {@link #subscribe} subscribed to it. */
    CompletableFuture<Void> unsubscribe(String channel) {
        return unavailableOnFailure(shardedPubSub ? pubSub.async().sunsubscribe(channel) : pubSub.async().unsubscribe(channel));
    }

    /**
     * Runs {@code script} by SHA, loading it with EVAL when the server does not know it. The EVAL
     * is sent whatever happens to the returned future: a caller that stopped waiting for it (a
     * Redlock node timeout) must not keep a release from running.
     *
     * <p>A script that a Cluster refuses with TRYAGAIN did not run: its slot is migrating and its
     * keys are split between the two masters for a moment. It is sent again every
     * {@link #TRY_AGAIN_PAUSE_MILLIS} ms for up to the command timeout, so that a resharding does
     * not fail the acquisitions and releases that meet it.
     */
    <T> CompletableFuture<T> run(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        if (!scriptsReady) {
            return CompletableFuture.failedFuture(unavailable(new RedisException("reconnecting: not connected, or its scripts not loaded yet")));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        send(new ScriptCall(script, type, keys, args, System.nanoTime() + commandTimeout.toNanos()), result);
        return result;
    }

    /**
     * As {@link #run}, for a script that may grant a lock: refused at once, without a call, by a
     * Redlock master that restarted and may have lost the locks it granted, until its quarantine
     * has passed (see {@link RestartQuarantine}). A reply that comes after a disconnect is a
     * failure: the call was sent again after the reconnect, perhaps before the restart check ran,
     * and its grant, if any, is released as a failed master's is.
     */
    <T> CompletableFuture<T> runGranting(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        if (restarts == null) {
            return run(script, type, keys, args);
        }
        int disconnectsBefore = disconnects.get();
        if (!restarts.allowsGrants()) {
            return CompletableFuture.failedFuture(restarts.refusal());
        }
        return this.<T>run(script, type, keys, args).thenCompose(reply -> disconnects.get() == disconnectsBefore
                ? CompletableFuture.completedFuture(reply)
                : CompletableFuture.failedFuture(unavailable(new RedisException("reconnected while the call was on its way,"
                        + " perhaps to a restarted server before its restart was checked"))));
    }

    /** Whether this server may grant a lock now: it is not a Redlock master in its quarantine after a restart. */
    boolean allowsGrants() {
        return restarts == null || restarts.allowsGrants();
    }

    /**
     * As {@link #run}, for scripts that must run on the server at least once and may run twice
     * (releases): on a Redlock master, one that its connection failed is sent again once the
     * connection is back (see {@link Redeliveries}). The returned future completes with the first try.
     */
    <T> CompletableFuture<T> runAtLeastOnce(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        CompletableFuture<T> reply = run(script, type, keys, args);
        if (redeliveries == null) {
            return reply;
        }
        reply.whenComplete((value, error) -> {
            if (error != null) {
                redeliveries.keep(new Redeliveries.Resend(script, type, keys, args), error);
            }
        });
        // A copy: a caller's own bound (the node timeout) fails what it was handed, not the call on
        // its way, which would be sent again while it may still run.
        return reply.copy();
    }

    private void resend(Redeliveries.Resend call) {
        runAtLeastOnce(call.script(), call.type(), call.keys(), call.args());
    }

    /** How many releases wait for this master's connection to come back: for the tests. */
    int undelivered() {
        return redeliveries == null ? 0 : redeliveries.size();
    }

    /** A script, its arguments, and until when ({@link System#nanoTime()}) it is sent again after TRYAGAIN. */
    private record ScriptCall(LuaScript script, ScriptOutputType type, String[] keys, String[] args, long retryUntil) {}

    private <T> void send(ScriptCall call, CompletableFuture<T> result) {
        this.<T>unavailableOnFailure(commands.<T>evalsha(call.script().sha(), call.type(), call.keys(), call.args()))
                .whenComplete((value, error) -> {
                    if (error == null) {
                        result.complete(value);
                    } else if (Await.unwrap(error).getCause() instanceof RedisNoScriptException) {
                        this.<T>unavailableOnFailure(commands.<T>eval(call.script().source(), call.type(), call.keys(), call.args()))
                                .whenComplete((loaded, failed) -> {
                                    if (failed == null) {
                                        result.complete(loaded);
                                    } else {
                                        retryOrFail(call, failed, result);
                                    }
                                });
                    } else {
                        retryOrFail(call, error, result);
                    }
                });
    }

    private <T> void retryOrFail(ScriptCall call, Throwable error, CompletableFuture<T> result) {
        Throwable cause = Await.unwrap(error);
        if (isTryAgain(cause) && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TRY_AGAIN_PAUSE_MILLIS) - call.retryUntil() < 0) {
            TRY_AGAIN_LATER.execute(() -> send(call, result));
        } else {
            result.completeExceptionally(cause);
        }
    }

    private static boolean isTryAgain(Throwable failure) {
        return failure.getCause() instanceof RedisCommandExecutionException refused
                && refused.getMessage() != null && refused.getMessage().startsWith("TRYAGAIN");
    }

    /** The asynchronous commands of the command connection; wrap their futures in {@link #unavailableOnFailure}. */
    RedisClusterAsyncCommands<String, String> commands() {
        return commands;
    }

    /** Maps a Lettuce failure to {@link LockUnavailableException}, keeping the original as its cause. */
    <T> CompletableFuture<T> unavailableOnFailure(CompletionStage<T> stage) {
        return stage.toCompletableFuture().exceptionallyCompose(e -> {
            Throwable cause = Await.unwrap(e);
            if (cause instanceof LockException) {
                return CompletableFuture.failedFuture(cause);
            }
            if (isTimeout(cause)) {
                refreshTopologyAfterTimeout();
            }
            return CompletableFuture.failedFuture(unavailable(cause));
        });
    }

    LockUnavailableException unavailable(Throwable cause) {
        String what = isTimeout(cause) ? "did not answer within " + commandTimeout : "failed: " + describe(cause);
        return new LockUnavailableException("Redis at " + server + " " + what, cause);
    }

    /** Lettuce's own command timeout, or our bound on the wait for it (a starved client thread may see the bound first). */
    private static boolean isTimeout(Throwable cause) {
        return cause instanceof RedisCommandTimeoutException || cause instanceof TimeoutException;
    }

    /**
     * Asks a Cluster for its topology after a command timed out, at most once per
     * {@link #TOPOLOGY_REFRESH_SPACING} and one refresh at a time. A master that hangs without
     * closing its connections (a frozen process, whose kernel still acknowledges; a host cut off) is
     * replaced by its replica while nothing Lettuce refreshes for happens (MOVED, ASK, reconnects):
     * without this, every call to its slots would time out until it came back.
     */
    private void refreshTopologyAfterTimeout() {
        if (!(client instanceof RedisClusterClient cluster)) {
            return;
        }
        long now = System.nanoTime();
        long last = timeoutRefreshedAt.get();
        if (timeoutRefresh.isDone() && now - last >= TOPOLOGY_REFRESH_SPACING.toNanos()
                && timeoutRefreshedAt.compareAndSet(last, now)) {
            // A refresh that fails (every node silent) changes nothing: the next timeout asks again.
            timeoutRefresh = cluster.refreshPartitionsAsync().toCompletableFuture();
        }
    }

    /**
     * Runs a command of the connection's handshake, again after a timeout while the connect timeout
     * lasts: a cold client or a busy machine may miss a short command timeout once, and the connect
     * timeout is what the caller gave the connection to come up.
     */
    private <T> T awaitOnConnect(Supplier<CompletionStage<T>> command, long deadline) {
        while (true) {
            try {
                return await(unavailableOnFailure(command.get()));
            } catch (LockUnavailableException e) {
                if (!isTimeout(e.getCause()) || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
            }
        }
    }

    /** Waits for a command's outcome, at most twice the command timeout. */
    <T> T await(CompletableFuture<T> future) {
        return Await.bounded(future, commandTimeout.multipliedBy(2), this::unavailable);
    }

    /**
     * A failure's message, with what the servers answered: Lettuce says only that it could not
     * connect, and keeps a server's refusal (a refused command, a wrong password) as a cause, or, on a
     * Cluster, each seed's as suppressed exceptions of a cause.
     */
    private static String describe(Throwable e) {
        if (e instanceof CancellationException) {
            return "cancelled";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        List<String> answers = Stream.iterate(e, Objects::nonNull, Throwable::getCause).limit(MAX_CAUSES_DESCRIBED)
                .flatMap(cause -> Stream.concat(
                        cause != e && cause instanceof RedisCommandExecutionException ? Stream.of(cause.getMessage()) : Stream.empty(),
                        Arrays.stream(cause.getSuppressed()).map(RedisNode::describe)))
                .distinct()
                .toList();
        return answers.isEmpty() ? message : message + " (" + String.join("; ", answers) + ")";
    }

    private static void shutdown(AbstractRedisClient client) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /** Whether a majority's round may count on this server's answer: it answered the last call it was asked in time. */
    boolean isAnswering() {
        return !silent;
    }

    /** Records that a call was answered ({@code answered}) or timed out: see {@link #isAnswering()}. */
    void heard(boolean answered) {
        silent = !answered;
    }

    @Override
    public void close() {
        closing = true;
        closed.tryEmitEmpty();
        if (redeliveries != null) {
            // Closed connections fail every command at once: a release kept then must not be sent
            // again, and again, after the client is gone.
            scriptsReady = false;
        }
        pubSub.close();
        connection.close();
        shutdown(client);
    }
}
