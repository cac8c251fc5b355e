package dev.fencelock.redis;

import dev.fencelock.testkit.ChildProcess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The distlock-spec clients of other languages that share keys with Fencelock in a mixed fleet,
 * each run as a process of its own by a script under {@code foreign/} that takes and releases one
 * key on command. What each needs is installed by {@code .ci/foreign-clients}; a client that cannot
 * run here says why, for the test to report itself skipped.
 */
enum ForeignClient {
    /** redis-py's {@code Lock}, as Debian's python3-redis ships it. */
    REDIS_PY("redis-py") {
        @Override
        Optional<String> unavailable() {
            return python().isPresent() ? Optional.empty()
                    : Optional.of("no python3 here imports redis (tried " + String.join(", ", PYTHONS)
                            + "): install Debian's python3-redis, as .ci/foreign-clients does");
        }

        @Override
        ProcessBuilder command(List<String> args) {
            return new ProcessBuilder(concat(List.of(python().orElseThrow(), script("redis_py_lock.py")), args));
        }
    },

    /** node-redlock 4.2.0 over node_redis 3, from npm. */
    NODE_REDLOCK("node-redlock") {
        @Override
        Optional<String> unavailable() {
            if (!runs("node", "--version")) {
                return Optional.of("node is not on the PATH");
            }
            if (!Files.isDirectory(NODE_MODULES.resolve("redlock")) || !Files.isDirectory(NODE_MODULES.resolve("redis"))) {
                return Optional.of("node-redlock " + REDLOCK_VERSION + " is not installed in " + NODE_MODULES
                        + ": run .ci/foreign-clients");
            }
            return Optional.empty();
        }

        @Override
        ProcessBuilder command(List<String> args) {
            ProcessBuilder command = new ProcessBuilder(concat(List.of("node", script("node_redlock.js")), args));
            command.environment().put("NODE_PATH", NODE_MODULES.toString());
            return command;
        }
    };

    private static final List<String> PYTHONS = List.of("/usr/bin/python3", "python3");
    static final String REDLOCK_VERSION = "4.2.0";
    /** Where .ci/foreign-clients installs node-redlock: a cache outside the project, kept across clones. */
    static final Path NODE_MODULES = Path.of(Optional.ofNullable(System.getenv("XDG_CACHE_HOME"))
                    .orElse(System.getProperty("user.home") + "/.cache"),
            "fencelock", "node-redlock-" + REDLOCK_VERSION, "node_modules");
    private static final Duration LINE_TIMEOUT = Duration.ofSeconds(15);

    private final String displayName;

    ForeignClient(String displayName) {
        this.displayName = displayName;
    }

    /** Why this client cannot run on this machine, or empty when it can. */
    abstract Optional<String> unavailable();

    abstract ProcessBuilder command(List<String> args);

    /** Starts a process of this client that takes {@code key} with a lease of {@code ttl} when told to. */
    Lock start(int port, String key, Duration ttl) throws InterruptedException {
        Lock lock = new Lock(ChildProcess.launch(command(List.of(Integer.toString(port), key, Long.toString(ttl.toMillis())))));
        lock.awaitLine("ready", LINE_TIMEOUT);
        return lock;
    }

    @Override
    public String toString() {
        return displayName;
    }

    /** One foreign client's lock on one key, driven by the scripts' line protocol. */
    static final class Lock extends ChildProcess {
        private Lock(Process process) {
            super(process);
        }

        /** Waits, as the foreign client does, until it holds the key. */
        void hold() throws IOException, InterruptedException {
            if (!ask("hold")) {
                throw new AssertionError("the foreign client did not get the lock within its 10 s wait");
            }
        }

        /** One attempt: whether the foreign client now holds the key. */
        boolean tryHold() throws IOException, InterruptedException {
            return ask("try");
        }

        /** Releases the key; returns when the client says it did, in wall-clock microseconds. */
        long release() throws IOException, InterruptedException {
            send("release");
            String line = awaitLine("", LINE_TIMEOUT);
            if (!line.startsWith("released ")) {
                throw new AssertionError("the foreign client's release failed: " + line);
            }
            return Long.parseLong(line.substring("released ".length()));
        }

        private boolean ask(String command) throws IOException, InterruptedException {
            send(command);
            String line = awaitLine("", LINE_TIMEOUT);
            return switch (line) {
                case "held" -> true;
                case "refused" -> false;
                default -> throw new AssertionError("the foreign client answered '" + command + "' with: " + line);
            };
        }
    }

    private static Optional<String> python() {
        return PYTHONS.stream().filter(python -> runs(python, "-c", "import redis")).findFirst();
    }

    private static boolean runs(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String script(String name) {
        try {
            return Path.of(ForeignClient.class.getResource("foreign/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
