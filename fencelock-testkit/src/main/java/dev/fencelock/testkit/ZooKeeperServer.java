package dev.fencelock.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * One real ZooKeeper server, {@code org.apache.zookeeper.server.quorum.QuorumPeerMain} of the
 * {@code org.apache.zookeeper:zookeeper} artifact, in a JVM of its own (a {@link ChildJvm}) with its
 * own temporary directory: standalone ({@link #start()}) or a member of a
 * {@link ZooKeeperEnsemble}. A test can crash it ({@link #kill()}), freeze it ({@link #pause()}),
 * bring it back on the same ports with its data ({@link #restart()}) and ask it the four-letter
 * words ({@link #fourLetterWord}), which its configuration allows all of: {@link #mode()} tells a
 * leader from a follower, {@link #monitor()} gives the {@code mntr} figures.
 *
 * <p>Its transaction log is written without fsync ({@code forceSync=no}): a process killed with
 * SIGKILL loses nothing the kernel has, and only a machine crash could, which no test makes. The
 * admin server is off; clients may open any number of connections.
 *
 * <p>The test's class path must hold the {@code zookeeper} artifact (the kit names it optional:
 * a module that starts ZooKeeper declares it, or gets it from Curator). Closing the server stops the
 * process and deletes its directory; a JVM shutdown hook stops any server a crashed test run left.
 *
 * <p>Thread-safe: lifecycle methods are serialized; the four-letter words may be asked from any
 * thread.
 */
public final class ZooKeeperServer implements AutoCloseable {
    static final String LOOPBACK = "127.0.0.1";
    static final String MAIN = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
    /** Enough for the servers of tests; the serial collector keeps a paused or busy member's footprint small. */
    private static final List<String> JVM_OPTIONS = List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC",
            "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.jmx.log4j.disable=true");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final int WORD_TIMEOUT_MILLIS = 2_000;
    private static final long POLL_INTERVAL_MILLIS = 20;
    private static final String NOT_SERVING = "not currently serving requests";
    private static final Set<ZooKeeperServer> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ZooKeeperServer::closeAbandoned, "fencelock-zookeeper-reaper"));
    }

    /**
     * What a server says it is in {@code srvr}: the role it plays, or that it does not serve (a
     * member without a quorum, or one still electing) or does not answer (killed, paused, cut off).
     */
    public enum Mode {
        LEADER, FOLLOWER, OBSERVER, STANDALONE, NOT_SERVING, UNREACHABLE;

        /** Whether it serves clients: a leader, a follower, an observer or a standalone server. */
        public boolean isServing() {
            return this != NOT_SERVING && this != UNREACHABLE;
        }
    }

    private final int id;
    private final String address;
    private final ZooKeeperPorts ports;
    private final Path dir;
    private final List<String> launchPrefix;
    /** The four-letter words asked since the process started or the last {@link #resetStats()}: ZooKeeper counts each as a packet. */
    private final AtomicLong wordsAsked = new AtomicLong();
    private ChildJvm process; // guarded by this
    private boolean paused; // guarded by this
    private boolean closed; // guarded by this

    private ZooKeeperServer(int id, String address, ZooKeeperPorts ports, Path dir, List<String> launchPrefix) {
        this.id = id;
        this.address = address;
        this.ports = ports;
        this.dir = dir;
        this.launchPrefix = List.copyOf(launchPrefix);
    }

    /**
     * Starts a standalone server on free ports of 127.0.0.1 with a tick of 500 ms (sessions of 1 to
     * 10 s), and waits until it serves.
     *
     * @throws IllegalStateException if it exits or does not serve within 60 s, with the tail of its log
     */
    public static ZooKeeperServer start() {
        return ZooKeeperEnsemble.startStandalone();
    }

    /**
     * Writes the configuration and {@code myid} of server {@code id} ({@code 0}: standalone) into a
     * new temporary directory; the server is not started.
     */
    static ZooKeeperServer prepare(int id, String address, ZooKeeperPorts ports, List<String> launchPrefix, String config) {
        Path dir;
        try {
            dir = Files.createTempDirectory("fencelock-zookeeper");
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(dir.resolve("zoo.cfg"), config + "dataDir=" + dir.resolve("data") + "\n");
            if (id > 0) {
                Files.writeString(dir.resolve("data").resolve("myid"), Integer.toString(id));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for a ZooKeeper server", e);
        }
        return new ZooKeeperServer(id, address, ports, dir, launchPrefix);
    }

    /** Its {@code myid} in the ensemble, from 1; 0 for a standalone server. */
    public int id() {
        return id;
    }

    /** The address it serves clients on: 127.0.0.1 unless the ensemble placed it elsewhere. */
    public String host() {
        return address;
    }

    /** The client port, the same across {@link #restart()}s; never 2181. */
    public int port() {
        return ports.client();
    }

    /** {@code host:port}: a connect string naming this server alone. */
    public String connectString() {
        return address + ":" + ports.client();
    }

    /** The server's directory: its configuration, its data and its log ({@code zookeeper.log}). Deleted by {@link #close()}. */
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

    /** Whether it is {@linkplain #pause() paused}. */
    public synchronized boolean isPaused() {
        return paused;
    }

    /** Starts the process and waits until it runs; whether it serves is the caller's to await. */
    synchronized void launch() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        if (process != null) {
            throw new IllegalStateException(this + " is running already");
        }
        wordsAsked.set(0);
        process = ChildJvm.startServer(launchPrefix, JVM_OPTIONS, MAIN, List.of(dir.resolve("zoo.cfg").toString()),
                dir.resolve("zookeeper.log"));
        RUNNING.add(this);
    }

    /**
     * Waits until the server answers {@code srvr} with a mode that serves clients.
     *
     * @throws IllegalStateException if it exits or does not serve within 60 s, with the tail of its log
     */
    void awaitServing() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!mode().isServing()) {
            if (!isRunning()) {
                throw new IllegalStateException(this + " exited:\n" + logTail());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(this + " did not serve within " + READY_TIMEOUT.toSeconds() + " s:\n" + logTail());
            }
            pauseBriefly();
        }
    }

    /**
     * Kills the server with SIGKILL, as a crash would, and waits until it is gone; its clients'
     * connections break and its peers see it leave. A paused server is killed too. Does nothing if
     * it is not running.
     */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        try {
            process.close(); // continues a stopped process, then SIGKILL and wait
        } catch (Exception e) {
            throw new IllegalStateException("cannot kill " + this, e);
        }
        if (process.isAlive()) {
            throw new IllegalStateException(this + " (pid " + process.pid() + ") is alive after SIGKILL");
        }
        process = null;
        paused = false;
        RUNNING.remove(this);
    }

    /**
     * Freezes the server with SIGSTOP: it keeps its ports and connections but answers nothing, to
     * clients or peers, until {@link #resume()}. Does nothing if it is already paused.
     *
     * @throws IllegalStateException if it is not running
     */
    public synchronized void pause() {
        if (!paused) {
            signal("STOP");
            paused = true;
        }
    }

    /** Thaws a {@linkplain #pause() paused} server with SIGCONT. Does nothing if it is not paused. */
    public synchronized void resume() {
        if (paused) {
            signal("CONT");
            paused = false;
        }
    }

    /**
     * Kills the server if it runs, then starts it again on the same ports and directory (its
     * snapshot and transaction log kept) and waits until it serves: a standalone server at once, a
     * member once it has rejoined a quorum.
     *
     * @throws IllegalStateException if it is closed, or if it exits or does not serve within 60 s
     */
    public void restart() {
        synchronized (this) {
            kill();
            launch();
        }
        awaitServing();
    }

    /**
     * Asks a four-letter word, such as {@code srvr}, {@code mntr}, {@code stat} or {@code srst}, on
     * a connection of its own, and returns the whole answer.
     *
     * @throws UncheckedIOException if the server cannot be reached or does not answer within 2 s
     */
    public String fourLetterWord(String word) {
        if (word == null || word.length() != 4) {
            throw new IllegalArgumentException("word must be four letters, such as srvr, was " + word);
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, ports.client()), WORD_TIMEOUT_MILLIS);
            wordsAsked.incrementAndGet();
            socket.setSoTimeout(WORD_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(this + " did not answer " + word + ": " + e.getMessage(), e);
        }
    }

    /** What the server says it is, from {@code srvr}; {@link Mode#UNREACHABLE} when it does not answer. */
    public Mode mode() {
        String answer;
        try {
            answer = fourLetterWord("srvr");
        } catch (UncheckedIOException e) {
            return Mode.UNREACHABLE;
        }
        if (answer.contains(NOT_SERVING)) {
            return Mode.NOT_SERVING;
        }
        for (String line : answer.split("\n")) {
            if (line.startsWith("Mode: ")) {
                return Mode.valueOf(line.substring("Mode: ".length()).trim().toUpperCase(Locale.ROOT));
            }
        }
        // Answered, but not (yet) with a mode: a server still starting up.
        return Mode.NOT_SERVING;
    }

    /**
     * The {@code mntr} figures by name, such as {@code zk_packets_received} or
     * {@code zk_server_state}, as the server prints them.
     *
     * @throws IllegalStateException if it does not serve
     * @throws UncheckedIOException if it does not answer
     */
    public Map<String, String> monitor() {
        String answer = fourLetterWord("mntr");
        if (answer.contains(NOT_SERVING)) {
            throw new IllegalStateException(this + " does not serve: " + answer.trim());
        }
        Map<String, String> figures = new LinkedHashMap<>();
        for (String line : answer.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                figures.put(line.substring(0, tab), line.substring(tab + 1).trim());
            }
        }
        return figures;
    }

    /**
     * The requests and pings its clients sent it since it started or since {@link #resetStats()}:
     * {@code zk_packets_received} of {@code mntr}, less the four-letter words the kit asked it
     * meanwhile (ZooKeeper counts each as a packet received, this {@code mntr} included). For
     * counting what a lock costs the server; four-letter words from elsewhere would count.
     */
    public long packetsReceived() {
        long received = Long.parseLong(monitor().get("zk_packets_received"));
        return received - wordsAsked.get();
    }

    /** Resets the server's statistics, {@link #packetsReceived()} among them ({@code srst}). */
    public void resetStats() {
        fourLetterWord("srst");
        wordsAsked.set(0);
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
        return (id == 0 ? "zookeeper" : "zookeeper member " + id) + " on " + connectString();
    }

    /** The last 30 lines of its log, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("zookeeper.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Whether its log says that a port it wanted was taken: another process bound it after the kit chose it. */
    boolean lostAPort() {
        return logTail().contains("Address already in use");
    }

    private ChildJvm running() {
        if (process == null) {
            throw new IllegalStateException(this + " is not running");
        }
        return process;
    }

    private void signal(String name) {
        try {
            running().signal(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send SIG" + name + " to " + this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + name + " to " + this, e);
        }
    }

    private static void closeAbandoned() {
        for (ZooKeeperServer server : RUNNING) {
            try {
                server.close();
            } catch (RuntimeException e) {
                System.err.println("cannot stop " + server + ": " + e);
            }
        }
    }

    static void pauseBriefly() {
        try {
            Thread.sleep(POLL_INTERVAL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for ZooKeeper", e);
        }
    }
}
