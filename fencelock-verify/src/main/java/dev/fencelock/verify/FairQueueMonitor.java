package dev.fencelock.verify;

import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Watches the fair lock's queue on its Redis server with {@code MONITOR}, which shows every
 * command the lock's scripts run, in the order the server ran them, and records what they did to
 * the queue in a history of its own (process {@value FairOrder#PROCESS}): {@code JOIN} (the first
 * {@code ZADD NX} of an owner token, with its score: the server's {@code TIME} when the acquisition
 * first tried), {@code DROP} (taken off the queue: as gone by a script, {@code why=gone}, or by its
 * own client giving up, {@code why=left}: leave-queue.lua, the one script whose first key is the
 * queue), and {@code GRANT} (the lock key set to an owner token,
 * with the fencing token minted for it, which links the grant to the client that recorded it).
 *
 * <p>The clients cannot tell: an acquisition's owner token and its place in the queue are the
 * store's, not the API's. The observer does not change what the scripts do; {@code MONITOR} only
 * slows the server a little. When the server restarts, the observer reconnects, records a
 * {@code RESET} with the server's time and the queue as it finds it, and goes on; grants made
 * before it is back are missed, and {@link FairOrder} counts them.
 */
final class FairQueueMonitor implements AutoCloseable {
    static final String QUEUE_KEY = NodeKill.LOCK_KEY + ":fair-queue";
    private static final Set<String> ZADD_FLAGS = Set.of("NX", "XX", "GT", "LT", "CH", "INCR");
    private static final Set<String> SCRIPT_CALLS = Set.of("EVAL", "EVALSHA");
    private static final Duration RECONNECT_PAUSE = Duration.ofMillis(20);
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final String[] SNAPSHOT = {"ZRANGE", QUEUE_KEY, "0", "-1", "WITHSCORES"};

    private final KitRedis node;
    private final HistoryWriter history;
    private final Thread reader;
    private volatile boolean stopped;
    private volatile Socket socket;
    private BufferedReader in;
    /** The queue read at the last (re)connection, until the stream reaches that read. */
    private Snapshot snapshot;
    /** The owner token a script has just set on the lock key: its fence counter's next SET is its token. */
    private String granting;
    /** Whether the script running is a client's leave (leave-queue.lua), not a drop of the gone. */
    private boolean leaving;
    /** What stopped the reader before it was told to stop: the grants after it went unseen. */
    private volatile RuntimeException failure;

    /** Watches nothing until {@link #start}; a test feeds {@link #observe} lines itself. */
    FairQueueMonitor(KitRedis node, HistoryWriter history) {
        this.node = node;
        this.history = history;
        this.reader = new Thread(this::observeUntilStopped, "fair-queue-monitor");
        reader.setDaemon(true);
    }

    /** Starts watching {@code node}; returns once the monitor runs and the queue is read. */
    static FairQueueMonitor start(KitRedis node, HistoryWriter history) {
        FairQueueMonitor monitor = new FairQueueMonitor(node, history);
        try {
            monitor.connect();
        } catch (IOException | RuntimeException e) {
            history.close();
            throw new IllegalStateException("cannot monitor the fair queue on " + node.name() + ": " + e.getMessage(), e);
        }
        monitor.reader.start();
        return monitor;
    }

    private void observeUntilStopped() {
        while (!stopped) {
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    observe(line);
                }
            } catch (IOException e) {
                // The server went down (a kill) or the observer is closing.
            } catch (RuntimeException e) {
                failure = e;
                return;
            }
            reconnectUnlessStopped();
        }
    }

    private void reconnectUnlessStopped() {
        while (!stopped) {
            try {
                connect();
                return;
            } catch (IOException | RuntimeException e) {
                Pacing.pause(RECONNECT_PAUSE);
            }
        }
    }

    /**
     * Starts {@code MONITOR}, then reads the server's time and the queue. The read itself shows in
     * the monitor's stream: what the stream shows before it is in the snapshot already, so it is
     * passed over, and the snapshot is recorded where the read stands in the stream.
     */
    private void connect() throws IOException {
        closeSocket();
        Socket fresh = new Socket();
        fresh.connect(new InetSocketAddress(node.host(), node.port()), CONNECT_TIMEOUT_MILLIS);
        socket = fresh;
        OutputStream out = fresh.getOutputStream();
        out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        in = new BufferedReader(new InputStreamReader(fresh.getInputStream(), StandardCharsets.ISO_8859_1));
        String ok = in.readLine();
        if (!"+OK".equals(ok)) {
            throw new IOException("MONITOR answered " + ok);
        }
        long now = node.serverTimeMicros();
        @SuppressWarnings("unchecked")
        List<Object> queued = (List<Object>) node.server().call(SNAPSHOT);
        snapshot = new Snapshot(now, queued);
        granting = null;
    }

    /** The queue as read at a (re)connection, recorded once the stream reaches the read. */
    private record Snapshot(long serverMicros, List<Object> queued) {
        void record(HistoryWriter history) {
            history.record(0, Type.OK, Op.RESET, Event.NONE, serverMicros, "queued=" + queued.size() / 2);
            for (int i = 0; i + 1 < queued.size(); i += 2) {
                history.record(0, Type.OK, Op.JOIN, Event.NONE, (long) Double.parseDouble((String) queued.get(i + 1)),
                        "owner=" + queued.get(i));
            }
        }
    }

    /** One line of {@code MONITOR}: {@code +1700000000.123456 [0 lua] "SET" "key" "value" …}. */
    void observe(String line) {
        int bracket = line.indexOf(']');
        if (!line.startsWith("+") || bracket < 0) {
            return;
        }
        boolean fromScript = line.substring(line.indexOf('[') + 1, bracket).endsWith(" lua");
        List<String> command = arguments(line.substring(bracket + 1));
        if (!fromScript) {
            // A new command from a client: a grant in progress belongs to the script before.
            granting = null;
            leaving = isLeave(command);
        }
        if (snapshot != null) {
            if (!fromScript && command.equals(List.of(SNAPSHOT))) {
                snapshot.record(history);
                snapshot = null;
            }
            return;
        }
        if (command.size() < 3) {
            return;
        }
        String key = command.get(1);
        switch (command.get(0).toUpperCase()) {
            case "SET" -> {
                if (key.equals(NodeKill.LOCK_KEY)) {
                    granting = command.get(2);
                } else if (key.equals(NodeKill.FENCE_KEY) && granting != null) {
                    history.record(0, Type.OK, Op.GRANT, Long.parseLong(command.get(2)), Event.NONE, "owner=" + granting);
                    granting = null;
                }
            }
            case "ZADD" -> {
                if (key.equals(QUEUE_KEY)) {
                    int at = 2;
                    while (at < command.size() && ZADD_FLAGS.contains(command.get(at).toUpperCase())) {
                        at++;
                    }
                    for (; at + 1 < command.size(); at += 2) {
                        history.record(0, Type.OK, Op.JOIN, Event.NONE, (long) Double.parseDouble(command.get(at)),
                                "owner=" + command.get(at + 1));
                    }
                }
            }
            case "ZREM" -> {
                List<String> members = command.subList(2, command.size());
                boolean partOfGrant = members.size() == 1 && members.get(0).equals(granting);
                if (key.equals(QUEUE_KEY) && !partOfGrant) {
                    members.forEach(owner -> history.record(0, Type.OK, Op.DROP, Event.NONE, Event.NONE,
                            "owner=" + owner + " why=" + (fromScript && !leaving ? "gone" : "left")));
                }
            }
            default -> {
                // Nothing else changes the fair queue or the grant.
            }
        }
    }

    /** Whether a client's command runs leave-queue.lua on the fair queue: {@code EVALSHA sha numkeys queue …}. */
    private static boolean isLeave(List<String> command) {
        return command.size() > 3 && SCRIPT_CALLS.contains(command.get(0).toUpperCase())
                && command.get(3).equals(QUEUE_KEY);
    }

    /** The quoted arguments of a {@code MONITOR} line, unescaped ({@code \"}, {@code \\}, {@code \xHH}, …). */
    static List<String> arguments(String quoted) {
        List<String> arguments = new ArrayList<>();
        StringBuilder current = null;
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (current == null) {
                if (c == '"') {
                    current = new StringBuilder();
                }
            } else if (c == '"') {
                arguments.add(current.toString());
                current = null;
            } else if (c == '\\' && i + 1 < quoted.length()) {
                char escaped = quoted.charAt(++i);
                switch (escaped) {
                    case 'n' -> current.append('\n');
                    case 'r' -> current.append('\r');
                    case 't' -> current.append('\t');
                    case 'a' -> current.append('\u0007');
                    case 'b' -> current.append('\b');
                    case 'x' -> {
                        current.append((char) Integer.parseInt(quoted.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> current.append(escaped);
                }
            } else {
                current.append(c);
            }
        }
        return arguments;
    }

    private void closeSocket() {
        Socket old = socket;
        if (old != null) {
            try {
                old.close();
            } catch (IOException e) {
                // Closing a broken socket: nothing to release.
            }
        }
    }

    /**
     * Why the queue was not watched to the end (a line it could not read, or a reader that did not
     * stop), which fails the scenario: its fair order was checked on part of the run only.
     */
    Optional<String> failure() {
        if (failure != null) {
            return Optional.of("the fair queue monitor stopped on " + failure);
        }
        return stopped && reader.isAlive() ? Optional.of("the fair queue monitor did not stop within " + STOP_TIMEOUT) : Optional.empty();
    }

    /** Stops watching; the history is closed when the observer has stopped. */
    @Override
    public void close() {
        stopped = true;
        closeSocket();
        try {
            reader.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            history.close();
        }
    }
}
