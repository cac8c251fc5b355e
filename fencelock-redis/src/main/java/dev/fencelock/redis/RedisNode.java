package dev.fencelock.redis;

import dev.fencelock.LockException;
import dev.fencelock.LockUnavailableException;
import dev.fencelock.spi.Await;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
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
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One Redis server, reached through one multiplexed command connection and one pub/sub connection.
 * Runs scripts by SHA and reloads them transparently when the server answers NOSCRIPT (after
 * {@code SCRIPT FLUSH} or a restart). Every failure surfaces as {@link LockUnavailableException}
 * naming the server without its credentials, within the command timeout.
 */
final class RedisNode implements AutoCloseable {
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    private final String server;
    private final Duration commandTimeout;

    private RedisNode(AbstractRedisClient client, StatefulConnection<String, String> connection,
            RedisClusterAsyncCommands<String, String> commands,
            StatefulRedisPubSubConnection<String, String> pubSub, String server, Duration commandTimeout) {
        this.client = client;
        this.connection = connection;
        this.commands = commands;
        this.pubSub = pubSub;
        this.server = server;
        this.commandTimeout = commandTimeout;
    }

    /**
     * Connects on the given Lettuce resources (event loops and timers), which the caller owns and
     * shuts down: the servers of one client share one set, so that Redlock over five masters does
     * not run five sets of threads on a small machine.
     *
     * @throws LockUnavailableException if the server cannot be reached within the connect timeout
     */
    static RedisNode connect(RedisURI uri, Duration commandTimeout, Duration connectTimeout, ClientResources resources) {
        // The URI's timeout bounds the connection handshake; commands are bounded by the
        // TimeoutOptions of withTimeouts. The URI was parsed for these options alone, so setting
        // it touches nothing shared (a builder copy would drop Sentinel addresses).
        uri.setTimeout(connectTimeout);
        RedisClient client = RedisClient.create(resources, uri);
        client.setOptions(withTimeouts(ClientOptions.builder(), commandTimeout, connectTimeout).build());
        return open(client, RedisEndpoint.describe(uri), commandTimeout, () -> {
            StatefulRedisConnection<String, String> connection = client.connect();
            return new Connections(connection, connection.async(), client.connectPubSub());
        });
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
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
                .build());
        String server = seeds.stream().map(RedisEndpoint::describe).collect(Collectors.joining(", ", "cluster(", ")"));
        return open(client, server, commandTimeout, () -> {
            StatefulRedisClusterConnection<String, String> connection = client.connect();
            return new Connections(connection, connection.async(), client.connectPubSub());
        });
    }

    private static <B extends ClientOptions.Builder> B withTimeouts(B builder, Duration commandTimeout, Duration connectTimeout) {
        builder.autoReconnect(true)
                // While reconnecting, commands wait in a buffer, bounded by the command timeout: a
                // Redis that is back within the timeout is used, one that is not fails the command.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build());
        return builder;
    }

    /** The command and pub/sub connections of one server or cluster. */
    private record Connections(StatefulConnection<String, String> commandConnection,
            RedisClusterAsyncCommands<String, String> commands,
            StatefulRedisPubSubConnection<String, String> pubSub) {}

    private static RedisNode open(AbstractRedisClient client, String server, Duration commandTimeout,
            Supplier<Connections> connect) {
        RedisNode node;
        try {
            Connections connections = connect.get();
            node = new RedisNode(client, connections.commandConnection(), connections.commands(),
                    connections.pubSub(), server, commandTimeout);
        } catch (RuntimeException e) {
            // Shutting the client down closes a command connection opened before the failure.
            shutdown(client);
            throw new LockUnavailableException("cannot connect to Redis at " + server + ": " + describe(e), e);
        }
        try {
            RedisVersion.requireSupported(node.await(node.unavailableOnFailure(node.commands.info("server"))), server);
            // Loaded now, so that the first use of a script is one EVALSHA, not EVALSHA, NOSCRIPT,
            // EVAL: a cleanup sent after a slow first try could otherwise overtake the try's EVAL.
            for (LuaScript script : LuaScript.ALL) {
                node.await(node.unavailableOnFailure(node.commands.scriptLoad(script.source())));
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
     * Runs {@code script} by SHA, loading it with EVAL when the server does not know it. The EVAL
     * is sent whatever happens to the returned future: a caller that stopped waiting for it (a
     * Redlock node timeout) must not keep a release from running.
     */
    <T> CompletableFuture<T> run(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        CompletableFuture<T> result = new CompletableFuture<>();
        this.<T>unavailableOnFailure(commands.<T>evalsha(script.sha(), type, keys, args)).whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (Await.unwrap(error).getCause() instanceof RedisNoScriptException) {
                this.<T>unavailableOnFailure(commands.<T>eval(script.source(), type, keys, args)).whenComplete((loaded, failed) -> {
                    if (failed == null) {
                        result.complete(loaded);
                    } else {
                        result.completeExceptionally(Await.unwrap(failed));
                    }
                });
            } else {
                result.completeExceptionally(Await.unwrap(error));
            }
        });
        return result;
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
            return CompletableFuture.failedFuture(unavailable(cause));
        });
    }

    LockUnavailableException unavailable(Throwable cause) {
        String what = cause instanceof RedisCommandTimeoutException || cause instanceof TimeoutException
                ? "did not answer within " + commandTimeout
                : "failed: " + describe(cause);
        return new LockUnavailableException("Redis at " + server + " " + what, cause);
    }

    /** Waits for a command's outcome, at most twice the command timeout. */
    <T> T await(CompletableFuture<T> future) {
        return Await.bounded(future, commandTimeout.multipliedBy(2), this::unavailable);
    }

    private static String describe(Throwable e) {
        if (e instanceof CancellationException) {
            return "cancelled";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    private static void shutdown(AbstractRedisClient client) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public void close() {
        pubSub.close();
        connection.close();
        shutdown(client);
    }
}
