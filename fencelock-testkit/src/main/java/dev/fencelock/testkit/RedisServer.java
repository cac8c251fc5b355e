package dev.fencelock.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real {@code redis-server} child process (the binary {@link RedisBinary} finds) on a free
 * port of 127.0.0.1, never 6379, with its own temporary directory. A test can crash it
 * ({@link #kill()}), freeze it ({@link #pause()}), bring it back on the same port
 * ({@link #restart()}) and inspect or alter it with {@link #call}. By default it persists nothing:
 * a restarted server is empty unless it was built with {@link Builder#appendOnly(boolean)}.
 *
 * <p>Closing it stops the process and deletes its directory; a JVM shutdown hook stops any server
 * that a crashed test run left running.
 *
 * <p>Thread-safe: lifecycle methods are serialized, and {@link #call} may be used from any thread.
 */
public final class RedisServer implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private static final int REDIS_DEFAULT_PORT = 6_379;
    private static final int START_ATTEMPTS = 5;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final int CALL_TIMEOUT_MILLIS = 5_000;
    private static final int PROBE_TIMEOUT_MILLIS = 1_000;
    private static final long POLL_INTERVAL_MILLIS = 10;
    private static final Set<RedisServer> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(RedisServer::closeAbandoned, "fencelock-redis-reaper"));
    }

    private final Path dir;
    private final int port;
    private final List<String> command;
    private final Object connectionLock = new Object();
    private Process process; // guarded by this
    private boolean paused; // guarded by this
    private boolean closed; // guarded by this
    private volatile RespClient connection; // replaced under connectionLock, closed by any thread

    /** Closes the servers still running as the JVM exits, each even if another one fails to close. */
    private static void closeAbandoned() {
        for (RedisServer server : RUNNING) {
            try {
                server.close();
            } catch (RuntimeException e) {
                System.err.println("cannot stop " + server + ": " + e);
            }
        }
    }

    private RedisServer(Path dir, int port, List<String> command) {
        this.dir = dir;
        this.port = port;
        this.command = List.copyOf(command);
    }

    /**
     * Starts a server without persistence on a free port and waits until it answers.
     *
     * @throws IllegalStateException if it does not answer within 10 s, with the tail of its log
     */
    public static RedisServer start() {
        return builder().start();
    }

    /** A builder for a server with persistence, extra arguments or a configuration file. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for a {@link RedisServer}, and the way to start one. Not thread-safe. */
    public static final class Builder {
        private boolean appendOnly;
        private String config;
        private final List<String> args = new ArrayList<>();

        private Builder() {}

        /**
         * Whether to write every command to an append-only file ({@code appendfsync always}), so
         * that the data survives {@link #kill()} and {@link #restart()}. Off by default.
         */
        public Builder appendOnly(boolean appendOnly) {
            this.appendOnly = appendOnly;
            return this;
        }

        /**
         * A configuration file's contents, written to the server's directory and given as the
         * first argument. Sentinel needs one ({@code sentinel monitor …}, with
         * {@code args("--sentinel")}) because it rewrites its configuration.
         */
        public Builder config(String contents) {
            this.config = Objects.requireNonNull(contents, "contents");
            return this;
        }

        /**
         * Extra {@code redis-server} arguments, such as {@code "--requirepass", "secret"}, given
         * after the kit's own so that they override them.
         */
        public Builder args(String... args) {
            for (String arg : Objects.requireNonNull(args, "args")) {
                this.args.add(Objects.requireNonNull(arg, "an element of args"));
            }
            return this;
        }

        /**
         * Starts the server on a free port and waits until it answers.
         *
         * @throws IllegalStateException if it exits or does not answer within 10 s, with the tail
         *     of its log
         */
        public RedisServer start() {
            Path binary = RedisBinary.locate();
            IllegalStateException portTaken = null;
            for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
                Path dir;
                try {
                    dir = Files.createTempDirectory("fencelock-redis");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a directory for redis-server", e);
                }
                int port = freePort();
                RedisServer server = new RedisServer(dir, port, command(binary, dir, port));
                try {
                    server.launch();
                    return server;
                } catch (PortTakenException e) {
                    // Another process took the port between our probe and redis-server's bind.
                    server.close();
                    portTaken = e;
                } catch (RuntimeException e) {
                    server.close();
                    throw e;
                }
            }
            throw portTaken;
        }

        private List<String> command(Path binary, Path dir, int port) {
            List<String> command = new ArrayList<>(List.of(binary.toString()));
            if (config != null) {
                Path file = dir.resolve("redis.conf");
                try {
                    Files.writeString(file, config);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + file, e);
                }
                command.add(file.toString());
            }
            command.addAll(List.of(
                    "--port", Integer.toString(port),
                    "--bind", HOST,
                    "--dir", dir.toString(),
                    "--logfile", dir.resolve("redis.log").toString(),
                    "--daemonize", "no",
                    "--save", ""));
            if (appendOnly) {
                command.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
            } else {
                command.addAll(List.of("--appendonly", "no"));
            }
            command.addAll(args);
            return command;
        }
    }

    /** {@code "127.0.0.1"}: the server listens on the loopback interface only. */
    public String host() {
        return HOST;
    }

    /** The server's port, the same across {@link #restart()}s; never 6379. */
    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://" + HOST + ":" + port;
    }

    /** The server's working directory: its log and its append-only file. Deleted by {@link #close()}. */
    public Path dir() {
        return dir;
    }

    /**
     * The process id of the running server.
     *
     * @throws IllegalStateException if it was killed and not restarted, or closed
     */
    public synchronized long pid() {
        return running().pid();
    }

    /** Whether the process is alive: started or restarted, and neither killed, closed nor crashed. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Kills the server with SIGKILL, as a crash would, and waits until it is gone. Its clients'
     * connections break; a paused server is killed too. Does nothing if it is not running.
     *
     * @throws IllegalStateException if the process is still alive after 10 s
     */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        if (paused) {
            // SIGKILL ends a stopped process as well; continuing it first means that a kill that
            // fails below never leaves behind a frozen server holding the port.
            resume();
        }
        process.destroyForcibly();
        boolean dead;
        try {
            dead = process.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + this + " to die", e);
        }
        if (!dead) {
            throw new IllegalStateException(this + " (pid " + process.pid() + ") is alive "
                    + KILL_TIMEOUT.toMillis() + " ms after SIGKILL");
        }
        forgetProcess();
    }

    /**
     * Freezes the server with SIGSTOP: it keeps its port and its connections but answers nothing,
     * as during a long GC pause or a VM migration, until {@link #resume()}. Does nothing if it is
     * already paused.
     *
     * @throws IllegalStateException if it is not running
     */
    public synchronized void pause() {
        if (!paused) {
            signal(running(), "STOP");
            paused = true;
        }
    }

    /**
     * Thaws a {@linkplain #pause() paused} server with SIGCONT: it answers what it received
     * meanwhile. Does nothing if it is not paused.
     */
    public synchronized void resume() {
        if (paused) {
            signal(running(), "CONT");
            paused = false;
        }
    }

    /**
     * Kills the server if it runs, then starts it again on the same port, with the same arguments
     * and directory (so an append-only server reloads its data), and waits until it answers.
     *
     * @throws IllegalStateException if it is closed, or if it exits or does not answer within 10 s
     */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        kill();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try {
                launch();
                return;
            } catch (PortTakenException e) {
                // Redis binds with SO_REUSEADDR, so its own connections in TIME_WAIT do not stand
                // in the way; another process grabbing the port meanwhile might, for a while.
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                pauseBriefly();
            }
        }
    }

    /** Makes the server forget every loaded Lua script ({@code SCRIPT FLUSH}), as a restart would. */
    public void flushScripts() {
        call("SCRIPT", "FLUSH");
    }

    /** Resets the counts of {@link #commandCalls()} ({@code CONFIG RESETSTAT}). */
    public void resetStats() {
        call("CONFIG", "RESETSTAT");
    }

    /**
     * Calls per command since the start or the last {@link #resetStats()}, from
     * {@code INFO commandstats}: {@code cmdstat_evalsha:calls=12,…} gives {@code "evalsha" -> 12}.
     * Redis 7 counts subcommands apart, as {@code "script|load"}. Commands never called are absent.
     */
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

    /** The number of keys in database 0 ({@code DBSIZE}). */
    public long dbSize() {
        return (Long) call("DBSIZE");
    }

    /**
     * Sends one command on the kit's own connection (opened on first use, reopened after a restart)
     * and returns its reply: a {@code String} for simple and bulk strings, a {@code Long} for
     * integers, a {@code List<Object>} for arrays, {@code null} for nil. An error inside an array,
     * as {@code EXEC} may return, is a {@link ReplyException} element of the list.
     *
     * @throws ReplyException if the server answers with an error
     * @throws UncheckedIOException if the server cannot be reached or does not answer within 5 s
     */
    public Object call(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("call needs a command, got no arguments");
        }
        Object reply;
        synchronized (connectionLock) {
            try {
                reply = connection().call(args);
            } catch (SocketTimeoutException e) {
                disconnect();
                throw notAnswered(args, e);
            } catch (IOException stale) {
                // The server may have closed the cached connection (a restart, or Sentinel killing
                // its clients on a role change): try once more on a fresh one.
                disconnect();
                try {
                    reply = connection().call(args);
                } catch (IOException e) {
                    disconnect();
                    throw notAnswered(args, e);
                }
            }
        }
        if (reply instanceof ReplyException error) {
            throw error;
        }
        return reply;
    }

    private RespClient connection() throws IOException {
        if (connection == null) {
            connection = new RespClient(HOST, port, CALL_TIMEOUT_MILLIS);
        }
        return connection;
    }

    private UncheckedIOException notAnswered(String[] args, IOException cause) {
        return new UncheckedIOException(this + " did not answer " + args[0] + ": " + cause.getMessage(), cause);
    }

    /** An error reply from the server, such as {@code "NOSCRIPT No matching script"}. */
    public static final class ReplyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReplyException(String message) {
            super(message);
        }
    }

    /**
     * Stops the server, continuing it first if it is paused, and deletes its directory.
     * Idempotent; a closed server cannot be restarted.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // A directory under the temporary directory left behind is harmless.
        }
    }

    @Override
    public String toString() {
        return "redis-server on port " + port;
    }

    private Process running() {
        if (process == null) {
            throw new IllegalStateException(this + " is not running");
        }
        return process;
    }

    private void forgetProcess() {
        process = null;
        paused = false;
        RUNNING.remove(this);
        disconnect();
    }

    /** Closes the kit's connection, also from outside connectionLock: a call blocked on it fails at once. */
    private void disconnect() {
        RespClient open = connection;
        connection = null;
        if (open != null) {
            open.close();
        }
    }

    private void launch() {
        try {
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(dir.resolve("redis.out").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
        RUNNING.add(this);
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!answers()) {
            if (!process.isAlive()) {
                String message = RedisBinary.description() + " exited with " + process.exitValue()
                        + " on port " + port + ":\n" + logTail();
                forgetProcess();
                throw message.contains("Address already in use")
                        ? new PortTakenException(message)
                        : new IllegalStateException(message);
            }
            if (System.nanoTime() - deadline > 0) {
                String message = RedisBinary.description() + " did not answer on port " + port + " within "
                        + READY_TIMEOUT.toMillis() + " ms:\n" + logTail();
                kill();
                throw new IllegalStateException(message);
            }
            pauseBriefly();
        }
    }

    /**
     * Whether our process answers PING on the port, which a server still loading its append-only
     * file refuses. Then asks {@code INFO server} for the process id: when another redis-server
     * took the port first, ours exits, but that one answers meanwhile.
     */
    private boolean answers() {
        try (RespClient probe = new RespClient(HOST, port, PROBE_TIMEOUT_MILLIS)) {
            Object pong = probe.call("PING");
            if (pong instanceof ReplyException error) {
                // LOADING: not ready yet. NOAUTH: a password (--requirepass) hides INFO as well, so
                // answering at all is all we can learn.
                return error.getMessage().startsWith("NOAUTH") && process.isAlive();
            }
            return "PONG".equals(pong) && isOurs(processId((String) probe.call("INFO", "server")));
        } catch (IOException notYet) {
            return false;
        }
    }

    private boolean isOurs(long pid) {
        // A redis-server named by -Dfencelock.redis.server may be a script that forks the server.
        return pid == process.pid() || process.descendants().anyMatch(child -> child.pid() == pid);
    }

    private static long processId(String info) {
        return RedisInfo.field(info, "process_id").map(Long::parseLong).orElse(-1L);
    }

    private String logTail() {
        StringBuilder tail = new StringBuilder();
        for (String name : List.of("redis.out", "redis.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(name));
                tail.append(name).append(":\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())))
                        .append('\n');
            } catch (IOException e) {
                // Not written yet: the other file may say why.
            }
        }
        return tail.toString();
    }

    private static void signal(Process target, String signal) {
        try {
            Signals.send(target.pid(), signal);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + target.pid(), e);
        }
    }

    private static void pauseBriefly() {
        try {
            Thread.sleep(POLL_INTERVAL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    private static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                int port = socket.getLocalPort();
                if (port != REDIS_DEFAULT_PORT) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on " + HOST, e);
            }
        }
    }

    /** redis-server exited because its port was taken. */
    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }
}
