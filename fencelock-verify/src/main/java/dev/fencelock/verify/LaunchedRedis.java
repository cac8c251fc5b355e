package dev.fencelock.verify;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A {@code redis-server} that the harness launches itself, because the test kit cannot run a
 * server under a command prefix or with extra environment: under libfaketime
 * ({@code LD_PRELOAD}, for clock skew) or inside a network namespace ({@code ip netns exec}, for
 * partitions). No persistence. A JVM shutdown hook stops any that a crashed run left behind.
 */
final class LaunchedRedis implements FaultableRedis {
    private static final Set<LaunchedRedis> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(LaunchedRedis::kill), "launched-redis-reaper"));
    }

    private final String name;
    private final Path binary;
    private final List<String> prefix;
    private final Map<String, String> environment;
    private final String host;
    private final int port;
    private final List<String> extraArgs;
    private final Path dir;
    private final RedisClient admin;
    private Process process;
    private boolean paused;

    private LaunchedRedis(String name, Path binary, List<String> prefix, Map<String, String> environment, String host,
            int port, List<String> extraArgs) {
        this.name = name;
        this.binary = binary;
        this.prefix = List.copyOf(prefix);
        this.environment = Map.copyOf(environment);
        this.host = host;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        try {
            this.dir = Files.createTempDirectory("fencelock-verify-redis");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.admin = RedisClient.create(RedisURI.builder().withHost(host).withPort(port).withTimeout(Duration.ofSeconds(2)).build());
        admin.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build())
                .autoReconnect(false)
                .build());
    }

    /**
     * Starts {@code binary} on 127.0.0.1 and a free port, with {@code environment} added to the
     * harness's own (for {@code LD_PRELOAD}).
     */
    static LaunchedRedis onLoopback(String name, Path binary, Map<String, String> environment) {
        LaunchedRedis redis = new LaunchedRedis(name, binary, List.of(), environment, "127.0.0.1", freePort(), List.of());
        redis.start();
        return redis;
    }

    /**
     * Starts {@code binary} inside {@code namespace}, bound to the namespace's address; the port
     * is the namespace's own, so any will do.
     */
    static LaunchedRedis inNamespace(String name, Path binary, NetworkNamespace namespace, int port) {
        // Protected mode refuses clients from outside loopback when there is no password; the
        // only clients that can reach a namespace this harness made are its own.
        LaunchedRedis redis = new LaunchedRedis(name, binary, namespace.execPrefix(), Map.of(), namespace.address(), port,
                List.of("--protected-mode", "no"));
        redis.start();
        return redis;
    }

    private void start() {
        try {
            launch();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String uri() {
        return "redis://" + host + ":" + port;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public boolean isAppendOnly() {
        return false;
    }

    @Override
    public void kill() {
        if (process == null) {
            return;
        }
        if (paused) {
            Signals.continueBeforeKill(process.pid());
            paused = false;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(this + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
        RUNNING.remove(this);
    }

    @Override
    public void restart() {
        kill();
        launch();
    }

    @Override
    public void pause() {
        Signals.send(process.pid(), "STOP");
        paused = true;
    }

    @Override
    public void resume() {
        Signals.send(process.pid(), "CONT");
        paused = false;
    }

    @Override
    public String get(String key) {
        return call(commands -> commands.sync().get(key));
    }

    @Override
    public boolean setIfAbsent(String key, String value, Duration ttl) {
        return "OK".equals(call(commands -> commands.sync().set(key, value, SetArgs.Builder.nx().px(ttl.toMillis()))));
    }

    @Override
    public boolean deleteIfEquals(String key, String value) {
        Long deleted = call(commands -> commands.sync().eval(DELETE_IF_EQUALS, ScriptOutputType.INTEGER, new String[] {key}, value));
        return deleted == 1;
    }

    @Override
    public long serverTimeMicros() {
        List<String> time = call(commands -> commands.sync().time());
        return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
    }

    private <T> T call(Function<StatefulRedisConnection<String, String>, T> command) {
        try (StatefulRedisConnection<String, String> connection = admin.connect()) {
            return command.apply(connection);
        }
    }

    @Override
    public void close() {
        try {
            kill();
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // Under the temp directory; a leftover is harmless.
            }
        }
    }

    @Override
    public String toString() {
        return name + " (redis-server on " + host + ":" + port + (prefix.isEmpty() ? "" : " via " + String.join(" ", prefix))
                + (environment.isEmpty() ? "" : " with " + String.join(",", environment.keySet())) + ")";
    }

    private void launch() {
        List<String> command = new ArrayList<>(prefix);
        command.add(binary.toString());
        command.addAll(List.of(
                "--port", Integer.toString(port),
                "--bind", host,
                "--dir", dir.toString(),
                "--logfile", "redis.log",
                "--daemonize", "no",
                "--save", "",
                "--appendonly", "no"));
        command.addAll(extraArgs);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.out").toFile());
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        RUNNING.add(this);
        awaitReady();
    }

    /** Polls PING until the server answers, it exits, or the deadline passes. */
    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException(this + " exited with " + process.exitValue() + ": " + tail());
            }
            try {
                if ("PONG".equals(call(connection -> connection.sync().ping()))) {
                    return;
                }
            } catch (RuntimeException notYet) {
                last = notYet;
            }
            Pacing.pause(Duration.ofMillis(20));
        }
        kill();
        throw new IllegalStateException(this + " did not answer PING within " + READY_TIMEOUT + ": " + tail(), last);
    }

    private String tail() {
        StringBuilder tail = new StringBuilder();
        for (String file : List.of("redis.out", "redis.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(file));
                tail.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()))).append('\n');
            } catch (IOException e) {
                // not written yet
            }
        }
        return tail.toString().trim();
    }

    /** A free port of 127.0.0.1 other than 6379, which a developer's own Redis may want. */
    private static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                if (socket.getLocalPort() != 6379) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
