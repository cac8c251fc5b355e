package dev.fencelock.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@code redis-server} the kit runs: the one named by the system property
 * {@value #PROPERTY}; else the first {@code redis-server} on the PATH that is 6.2 or newer (the
 * oldest Redis whose commands the kit and the lock scripts use); else the binary shipped in the
 * {@code embedded-redis} artifact, extracted once per JVM to a temporary directory deleted at
 * exit. So a machine with only a JDK and Maven runs the tests.
 *
 * <p>Thread-safe. The choice is made once per JVM, on first use.
 */
public final class RedisBinary {
    /** System property naming a redis-server binary to use instead of searching. */
    public static final String PROPERTY = "fencelock.redis.server";

    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)\\.(\\d+)");

    private static Path located;
    private static String description;
    private static Path extracted;

    private RedisBinary() {}

    /**
     * The redis-server binary to run.
     *
     * @throws IllegalStateException if {@value #PROPERTY} names no executable file, or if there is
     *     no suitable redis-server on the PATH and none embedded for this OS and architecture
     */
    public static synchronized Path locate() {
        if (located == null) {
            String configured = System.getProperty(PROPERTY);
            String source;
            if (configured != null && !configured.isBlank()) {
                located = configured(configured);
                source = "set by -D" + PROPERTY;
            } else {
                Path onPath = onPath(System.getenv("PATH"));
                located = onPath != null ? onPath : extractEmbedded();
                source = onPath != null ? "on the PATH" : "extracted from embedded-redis";
            }
            String version = version(located);
            description = "redis-server " + (version.isEmpty() ? "of unknown version" : version)
                    + " from " + located + " (" + source + ")";
        }
        return located;
    }

    /**
     * Which binary {@link #locate()} chose, its version and why, for a log line or a failure
     * message: {@code "redis-server 7.0.15 from /usr/bin/redis-server (on the PATH)"}.
     *
     * @throws IllegalStateException as {@link #locate()}
     */
    public static synchronized String description() {
        locate();
        return description;
    }

    private static Path configured(String value) {
        Path binary = Path.of(value);
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
            throw new IllegalStateException("-D" + PROPERTY + "=" + value + " is not an executable file");
        }
        return binary;
    }

    /** The first {@code redis-server} in {@code pathVariable} (as $PATH) that is 6.2 or newer, or null. */
    static Path onPath(String pathVariable) {
        if (pathVariable == null) {
            return null;
        }
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate) && isAtLeast62(version(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * The embedded-redis binary for this OS and architecture, extracted on the first call and the
     * same file afterwards.
     */
    static synchronized Path extractEmbedded() {
        if (extracted == null) {
            String resource = embeddedResource();
            try (InputStream in = RedisBinary.class.getResourceAsStream("/" + resource)) {
                if (in == null) {
                    throw new IllegalStateException("no redis-server 6.2+ on the PATH and no " + resource
                            + " in the embedded-redis artifact: install redis-server 6.2+ or set -D" + PROPERTY);
                }
                Path dir = Files.createTempDirectory("fencelock-redis-bin");
                Path binary = dir.resolve("redis-server");
                // Registered before the copy, so that a failed copy leaves nothing behind either;
                // deleted in the reverse order of registration: the binary first, then its directory.
                dir.toFile().deleteOnExit();
                binary.toFile().deleteOnExit();
                Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
                if (!binary.toFile().setExecutable(true)) {
                    throw new IllegalStateException("cannot make " + binary + " executable");
                }
                extracted = binary;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract " + resource, e);
            }
        }
        return extracted;
    }

    private static String embeddedResource() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        if (os.contains("mac") && (arm || x86)) {
            return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        }
        if (os.contains("linux") && (arm || x86)) {
            return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        }
        throw new IllegalStateException("no redis-server 6.2+ on the PATH and none embedded for " + os + " on " + arch
                + ": install redis-server 6.2+ or set -D" + PROPERTY);
    }

    /** The version {@code redis-server --version} reports, such as {@code "7.0.15"}, or "" if it cannot be run. */
    static String version(Path binary) {
        try {
            Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return "";
            }
            Matcher matcher = VERSION.matcher(output);
            return matcher.find() ? matcher.group(1) + "." + matcher.group(2) + "." + matcher.group(3) : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Whether {@code version} (as {@link #version} returns it) is 6.2 or newer. */
    static boolean isAtLeast62(String version) {
        if (version.isEmpty()) {
            return false;
        }
        String[] parts = version.split("\\.");
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        return major > 6 || major == 6 && minor >= 2;
    }
}
