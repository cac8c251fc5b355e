package dev.fencelock.verify;

import dev.fencelock.testkit.RedisBinary;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The wall clock of one Redis node, moved forward by {@link ClockSkew} and {@link AheadTokenRestart}
 * through libfaketime (Debian's {@code faketime} package): the node runs with
 * {@code LD_PRELOAD=libfaketime.so.1} and reads its offset from a file on every clock call, so a
 * jump takes effect at once. Its keys then
 * expire early and its {@code TIME} — the seed of fencing tokens — runs ahead. Its monotonic clock
 * is left alone, as an NTP step would leave it.
 */
final class FakeClock {
    /** The script that installs the package where the harness may (root, apt-get). */
    static final Path INSTALL_SCRIPT = Path.of("install-faketime");
    // Debian's redis-server links jemalloc, whose clock calls during libfaketime's own start-up
    // recurse and hang (libfaketime issue #130). The embedded-redis artifact's Linux binary has
    // an older jemalloc that starts fine under libfaketime; the node under a fake clock runs it.
    private static final String EMBEDDED_BINARY = "redis-server-6.2.6-v5-linux-amd64";

    private final Path library;
    private final Path binary;
    private final Path offsetFile;
    private long offsetSeconds;

    private FakeClock(Path library, Path binary, Path offsetFile) {
        this.library = library;
        this.binary = binary;
        this.offsetFile = offsetFile;
        write();
    }

    /**
     * A clock at offset zero, or the reason this machine cannot fake one: libfaketime missing and
     * not installable, or no redis-server binary that runs under it.
     */
    static Availability<FakeClock> prepare() {
        Optional<Path> library = library();
        if (library.isEmpty() && Files.isExecutable(INSTALL_SCRIPT)) {
            Shell.Result install = Shell.run(300, INSTALL_SCRIPT.toAbsolutePath().toString());
            if (!install.output().isEmpty()) {
                System.err.println(install.output());
            }
            library = library();
        }
        if (library.isEmpty()) {
            return Availability.unavailable("libfaketime is not installed (Debian package faketime; "
                    + (Files.isExecutable(INSTALL_SCRIPT) ? INSTALL_SCRIPT + " could not install it: it needs root and apt-get)"
                            : "run fencelock-verify/install-faketime)"));
        }
        Optional<Path> binary = runnableBinary();
        if (binary.isEmpty()) {
            return Availability.unavailable("no redis-server that runs under libfaketime on " + System.getProperty("os.arch")
                    + ": the system's is linked with a jemalloc that hangs under it (libfaketime issue #130)");
        }
        try {
            Path offsetFile = Files.createTempFile("fencelock-verify-faketime", ".rc");
            offsetFile.toFile().deleteOnExit();
            return Availability.of(new FakeClock(library.get(), binary.get(), offsetFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Path> library() {
        try (Stream<Path> libs = Files.list(Path.of("/usr/lib"))) {
            return libs.map(dir -> dir.resolve("faketime").resolve("libfaketime.so.1")).filter(Files::isReadable).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The embedded-redis binary on Linux x86-64, extracted from the class path; elsewhere the kit's. */
    private static Optional<Path> runnableBinary() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Optional.of(RedisBinary.locate());
        }
        try (InputStream in = FakeClock.class.getResourceAsStream("/" + EMBEDDED_BINARY)) {
            if (in == null) {
                return Optional.empty();
            }
            Path binary = Files.createTempFile("fencelock-verify-redis-server", "");
            Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
            binary.toFile().deleteOnExit();
            if (!binary.toFile().setExecutable(true)) {
                return Optional.empty();
            }
            return Optional.of(binary);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The redis-server to run under this clock. */
    Path binary() {
        return binary;
    }

    /** What a process needs in its environment to run on this clock. */
    Map<String, String> environment() {
        return Map.of(
                "LD_PRELOAD", library.toString(),
                "FAKETIME_TIMESTAMP_FILE", offsetFile.toString(),
                // Read the offset on every clock call: a jump is seen at once, not after a cache period.
                "FAKETIME_NO_CACHE", "1",
                "FAKETIME_DONT_FAKE_MONOTONIC", "1");
    }

    /** Moves the clock forward by whole seconds. */
    void jump(Duration forward) {
        offsetSeconds += forward.toSeconds();
        write();
    }

    /**
     * Sets the clock back to real time: after the probe at start, before anyone relies on it, and
     * as the correction of a clock found ahead, while its node is down (a step back under a running
     * node would make its keys outlive their leases).
     */
    void reset() {
        offsetSeconds = 0;
        write();
    }

    /** How far ahead of real time the clock is. */
    long offsetSeconds() {
        return offsetSeconds;
    }

    private void write() {
        // Written beside and renamed into place: libfaketime reads the file on every clock call,
        // and must never see it half written.
        try {
            Path next = offsetFile.resolveSibling(offsetFile.getFileName() + ".next");
            Files.writeString(next, "+" + offsetSeconds + "\n");
            Files.move(next, offsetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fake clock's offset " + offsetFile, e);
        }
    }
}
