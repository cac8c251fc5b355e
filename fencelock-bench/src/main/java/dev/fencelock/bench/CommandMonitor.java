package dev.fencelock.bench;

import dev.fencelock.testkit.RedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Counts the commands that clients send to a server, exactly, by reading its {@code MONITOR}
 * stream: each line names its source, a client's address or {@code lua} for a command a script
 * ran, so script-internal commands are told apart (which {@code INFO commandstats} cannot do).
 * Redisson, for one, sends a plain {@code DEL} of its unlock latch after every unlock, which a
 * count of scripts alone would miss.
 *
 * <p>MONITOR costs the server a little time per command, so it is only attached where commands
 * are counted and a timing is secondary (scenario 6). Windows are delimited by markers: an
 * {@code ECHO} of a unique token on the test kit's connection, which the stream shows in order.
 */
final class CommandMonitor implements AutoCloseable {
    /** The harness's own commands: the markers and the test kit's calls. */
    private static final Set<String> HARNESS = Set.of("echo", "info", "config");
    private static final long MARK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final RedisServer redis;
    private final Socket socket;
    private final Thread reader;
    // Guarded by this.
    private final Map<String, Long> counts = new HashMap<>();
    private final Map<String, Map<String, Long>> marks = new HashMap<>();
    private IOException failure;

    private CommandMonitor(RedisServer redis, Socket socket) {
        this.redis = redis;
        this.socket = socket;
        this.reader = new Thread(this::read, "bench-monitor");
        reader.setDaemon(true);
    }

    static CommandMonitor attach(RedisServer redis) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(redis.host(), redis.port()), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            CommandMonitor monitor = new CommandMonitor(redis, socket);
            monitor.reader.start();
            return monitor;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot attach MONITOR to " + redis, e);
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                // +1795384385.942399 [0 127.0.0.1:40976] "EVALSHA" "…" …   or   … [0 lua] "GET" …
                int open = line.indexOf('[');
                int close = line.indexOf(']', open + 1);
                if (open < 0 || close < 0 || line.substring(open + 1, close).endsWith(" lua")) {
                    continue; // not a command line, or a command a script ran
                }
                int start = line.indexOf('"', close);
                int end = start < 0 ? -1 : line.indexOf('"', start + 1);
                if (end < 0) {
                    continue;
                }
                String command = line.substring(start + 1, end).toLowerCase(Locale.ROOT);
                synchronized (this) {
                    if (command.equals("echo")) {
                        int tokenStart = line.indexOf('"', end + 1);
                        int tokenEnd = tokenStart < 0 ? -1 : line.indexOf('"', tokenStart + 1);
                        if (tokenEnd > 0) {
                            marks.put(line.substring(tokenStart + 1, tokenEnd), new HashMap<>(counts));
                            notifyAll();
                        }
                    }
                    if (!HARNESS.contains(command)) {
                        counts.merge(command, 1L, Long::sum);
                    }
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                if (!socket.isClosed()) {
                    failure = e;
                }
                notifyAll();
            }
        }
    }

    /** Marks a point of the stream; returns its token, to count from with {@link #since}. */
    String mark() throws InterruptedException {
        String token = "bench-mark-" + UUID.randomUUID();
        redis.call("ECHO", token);
        long deadline = System.nanoTime() + MARK_TIMEOUT_NANOS;
        synchronized (this) {
            while (!marks.containsKey(token)) {
                if (failure != null) {
                    throw new UncheckedIOException("MONITOR of " + redis + " failed", failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("MONITOR of " + redis + " did not show the mark within 30 s");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        return token;
    }

    /** The commands clients sent between the mark {@code from} and a new mark, by name. */
    Map<String, Long> since(String from) throws InterruptedException {
        String to = mark();
        synchronized (this) {
            Map<String, Long> before = marks.remove(from);
            Map<String, Long> after = marks.remove(to);
            Map<String, Long> between = new TreeMap<>();
            after.forEach((command, count) -> {
                long delta = count - before.getOrDefault(command, 0L);
                if (delta > 0) {
                    between.put(command, delta);
                }
            });
            return between;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }
}
