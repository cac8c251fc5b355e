package dev.fencelock.verify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The harness's handle on one {@link VerifyClient} JVM: starts it with the harness's own class
 * path, waits for its {@code READY}, freezes and thaws it with SIGSTOP and SIGCONT, and stops it.
 * Its stdout is copied to {@code client-N.out} and its stderr goes to {@code client-N.err}. A JVM
 * shutdown hook kills any that a crashed or interrupted run left behind: a client frozen by the
 * nemesis would otherwise stay frozen for good.
 */
final class ClientProcess implements AutoCloseable {
    private static final Set<ClientProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ClientProcess::close), "client-process-reaper"));
    }

    private final ClientConfig config;
    private final Process process;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> threadDumped = new CompletableFuture<>();
    private boolean paused;

    private ClientProcess(ClientConfig config, Process process, Path out) {
        this.config = config;
        this.process = process;
        Thread reader = new Thread(() -> copyStdout(out), "client-" + config.id() + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the client; {@link #awaitReady} tells when it is connected. */
    static ClientProcess start(ClientConfig config, Path dir) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                // Six clients share two cores with the servers: a small heap, the serial collector
                // and the C1 compiler start fast and keep the machine's other work going.
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                VerifyClient.class.getName()));
        command.addAll(List.of(config.toArgs()));
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(dir.resolve("client-" + config.id() + ".err").toFile())
                    .start();
            ClientProcess client = new ClientProcess(config, process, dir.resolve("client-" + config.id() + ".out"));
            RUNNING.add(client);
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start client " + config.id(), e);
        }
    }

    private void copyStdout(Path out) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer copy = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                copy.write(line);
                copy.write('\n');
                copy.flush();
                if (line.equals("READY")) {
                    ready.complete(null);
                } else if (line.startsWith("JNI global refs")) {
                    // The last line of a HotSpot thread dump.
                    threadDumped.complete(null);
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException("client " + config.id() + " exited before it was ready"
                + " (see client-" + config.id() + ".err)"));
    }

    int id() {
        return config.id();
    }

    Path history() {
        return config.history();
    }

    /** Waits until the client has connected to the lock servers and the resources. */
    void awaitReady(Duration timeout) throws InterruptedException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("client " + config.id() + " was not ready within " + timeout);
        }
    }

    /** The exit code, once it has exited. */
    int exitCode() {
        return process.exitValue();
    }

    /** Freezes the client with SIGSTOP: its threads, its watchdog and its clock readings stop. */
    synchronized void pause() {
        Signals.send(process.pid(), "STOP");
        paused = true;
    }

    /** Thaws it with SIGCONT. */
    synchronized void resume() {
        Signals.send(process.pid(), "CONT");
        paused = false;
    }

    /** Tells the client to finish its current round and exit. */
    void requestStop() {
        try {
            OutputStream stdin = process.getOutputStream();
            stdin.write("stop\n".getBytes(StandardCharsets.UTF_8));
            stdin.close();
        } catch (IOException e) {
            // It exited already; awaitExit tells.
        }
    }

    /**
     * Waits for the client to exit after {@link #requestStop}. One that does not exit in time is
     * asked for a thread dump (SIGQUIT, into {@code client-N.out}) and killed.
     *
     * @return whether it exited by itself in time
     */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        Signals.send(process.pid(), "QUIT");
        try {
            threadDumped.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // No dump: the kill below matters more.
        }
        close();
        return false;
    }

    @Override
    public synchronized void close() {
        if (process.isAlive()) {
            if (paused) {
                Signals.continueBeforeKill(process.pid());
                paused = false;
            }
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RUNNING.remove(this);
    }
}
