package dev.fencelock.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real {@code redis-server} child process on a free port of 127.0.0.1, with its own
 * directory, that a test can kill ({@code kill -9}), pause (SIGSTOP), resume, restart on the same
 * port, and talk to with {@link #call}. Never port 6379. Closing it stops the process and deletes
 * its directory; a JVM shutdown hook stops any server a crashed test left running.
 *
 * <p>Not thread-safe, except {@link #call}, which may be used from any thread.
 */
public final class RedisServer implements AutoCloseable {
    private static final Set<RedisServer> RUNNING = ConcurrentHashMap.newKeySet();
    private static final long READY_TIMEOUT_MILLIS = 10_000;
    private static final int CALL_TIMEOUT_MILLIS = 5_000;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(RedisServer::close), "redis-server-reaper"));
    }

    private final Path binary;
    private final Path dir;
    private final int port;
    private final List<String> extraArgs;
    private final boolean appendOnly;
    private final String config;
    private Process process;
    private boolean paused;
    private RespClient client;

    private RedisServer(Path binary, Path dir, int port, boolean appendOnly, String config, List<String> extraArgs) {
        this.binary = binary;
        this.config = config;
        this.dir = dir;
        this.port = port;
        this.appendOnly = appendOnly;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Starts a server without persistence on a free port. */
    public static RedisServer start() {
        return builder().start();
    }

    /** Options for a server: persistence and extra {@code redis-server} arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds and starts {@link RedisServer}s. */
    public static final class Builder {
        private boolean appendOnly;
        private String config;
        private final List<String> args = new ArrayList<>();

        private Builder() {}

        /** Persist every write to an append-only file ({@code appendfsync always}), kept across {@link #restart()}. */
        public Builder appendOnly(boolean appendOnly) {
            this.appendOnly = appendOnly;
            return this;
        }

        /**
         * A configuration file's contents, written to the server's directory and given as the
         * first argument: what Sentinel needs ({@code sentinel monitor …} with
         * {@code args("--sentinel")}), since it rewrites its configuration.
         */
        public Builder config(String contents) {
            this.config = contents;
            return this;
        }

        /** Extra {@code redis-server} arguments, such as {@code "--requirepass", "secret"}. */
        public Builder args(String... args) {
            this.args.addAll(List.of(args));
            return this;
        }

        /** Starts the server on a free port and waits until it answers PING. */
        public RedisServer start() {
            IllegalStateException failure = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                Path dir;
                try {
                    dir = Files.createTempDirectory("fencelock-redis");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                RedisServer server = new RedisServer(RedisBinary.locate(), dir, freePort(), appendOnly, config, args);
                try {
                    server.launch();
                    return server;
                } catch (IllegalStateException e) {
                    // Another process may have taken the port between our probe and the bind.
                    server.close();
                    failure = e;
                }
            }
            throw failure;
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://" + host() + ":" + port;
    }

    /** The server's working directory (its log and append-only file). */
    public Path dir() {
        return dir;
    }

    /** The process id of the running server. */
    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the server with SIGKILL, as a crash would, and waits until it is gone. */
    public void kill() {
        if (process == null) {
            return;
        }
        if (paused) {
            resume();
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server " + process.pid() + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
        RUNNING.remove(this);
        closeClient();
    }

    /** Freezes the server with SIGSTOP: it keeps its connections but answers nothing. */
    public void pause() {
        signal("STOP");
        paused = true;
    }

    /** Thaws a paused server with SIGCONT. */
    public void resume() {
        signal("CONT");
        paused = false;
    }

    /** Kills the server if it runs and starts it again on the same port and directory. */
    public void restart() {
        kill();
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MILLIS;
        while (true) {
            try {
                launch();
                return;
            } catch (IllegalStateException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
            }
        }
    }

    /** Forgets every loaded script ({@code SCRIPT FLUSH}). */
    public void flushScripts() {
        call("SCRIPT", "FLUSH");
    }

    /** Resets the statistics of {@code INFO commandstats} ({@code CONFIG RESETSTAT}). */
    public void resetStats() {
        call("CONFIG", "RESETSTAT");
    }

    /** Calls per command since the last reset, from {@code INFO commandstats}: {@code "evalsha" -> 12}. */
    public Map<String, Long> commandCalls() {
        Map<String, Long> calls = new LinkedHashMap<>();
        for (String line : ((String) call("INFO", "commandstats")).split("\r\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                int from = line.indexOf("calls=") + "calls=".length();
                calls.put(name, Long.parseLong(line.substring(from, line.indexOf(',', from))));
            }
        }
        return calls;
    }

    /** The number of keys in the current database. */
    public long dbSize() {
        return (Long) call("DBSIZE");
    }

    /**
     * Sends one command and returns its reply: a {@code String} for simple and bulk strings, a
     * {@code Long} for integers, a {@code List<Object>} for arrays, {@code null} for nil.
     *
     * @throws ReplyException if the server answers with an error
     * @throws UncheckedIOException if the server cannot be reached within 5 s
     */
    public synchronized Object call(String... args) {
        try {
            return connectedClient().call(args);
        } catch (IOException stale) {
            // The cached connection may have been closed by the server (a restart, or Sentinel
            // killing clients on a role change): try once on a fresh one.
            closeClient();
            try {
                return connectedClient().call(args);
            } catch (IOException e) {
                closeClient();
                throw new UncheckedIOException("redis-server on port " + port + " did not answer " + args[0], e);
            }
        }
    }

    private RespClient connectedClient() throws IOException {
        if (client == null) {
            client = new RespClient(host(), port, CALL_TIMEOUT_MILLIS);
        }
        return client;
    }

    /** An error reply from the server. */
    public static final class ReplyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ReplyException(String message) {
            super(message);
        }
    }

    /** Stops the server (resuming it first if paused) and deletes its directory. Idempotent. */
    @Override
    public void close() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // The directory is under the temp dir; a leftover is harmless.
        }
    }

    @Override
    public String toString() {
        return "redis-server on port " + port;
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        if (config != null) {
            Path file = dir.resolve("redis.conf");
            if (!Files.exists(file)) {
                try {
                    Files.writeString(file, config);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            command.add(file.toString());
        }
        command.addAll(List.of(
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--dir", dir.toString(),
                "--logfile", "redis.log",
                "--daemonize", "no",
                "--save", ""));
        if (appendOnly) {
            command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        } else {
            command.addAll(List.of("--appendonly", "no"));
        }
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.out").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        RUNNING.add(this);
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MILLIS;
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + " on port " + port + ": " + logTail());
            }
            try (RespClient probe = new RespClient(host(), port, 1_000)) {
                if ("PONG".equals(probe.call("PING"))) {
                    return;
                }
            } catch (IOException | ReplyException e) {
                // not ready yet
            }
            if (System.currentTimeMillis() > deadline) {
                kill();
                throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
                        + READY_TIMEOUT_MILLIS + " ms: " + logTail());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting redis-server", e);
            }
        }
    }

    private String logTail() {
        StringBuilder tail = new StringBuilder();
        for (String name : List.of("redis.out", "redis.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(name));
                tail.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())));
            } catch (IOException e) {
                // no such log yet
            }
        }
        return tail.toString();
    }

    private void signal(String signal) {
        if (process == null) {
            throw new IllegalStateException(this + " is not running");
        }
        try {
            int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void closeClient() {
        if (client != null) {
            try {
                client.close();
            } catch (IOException e) {
                // already broken
            }
            client = null;
        }
    }

    private static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                int port = socket.getLocalPort();
                if (port != 6379) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
