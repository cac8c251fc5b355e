package dev.fencelock.testkit;

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
 * Finds the {@code redis-server} to run: the one named by the system property
 * {@value #PROPERTY}, else the one on the PATH when it is 6.2 or newer, else the binary shipped in
 * the {@code embedded-redis} artifact, extracted once per JVM to a temporary directory. So a
 * machine with only a JDK and Maven can run the tests.
 */
public final class RedisBinary {
    /** System property naming a redis-server binary to use instead of searching. */
    public static final String PROPERTY = "fencelock.redis.server";
    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)\\.(\\d+)");
    private static Path located;

    private RedisBinary() {}

    /** The redis-server binary to run. */
    public static synchronized Path locate() {
        if (located == null) {
            String configured = System.getProperty(PROPERTY);
            if (configured != null && !configured.isBlank()) {
                located = Path.of(configured);
            } else {
                Path onPath = onPath();
                located = onPath != null ? onPath : extractEmbedded();
            }
        }
        return located;
    }

    /** The first {@code redis-server} on the PATH that is at least 6.2, or null. */
    static Path onPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate) && isAtLeast62(version(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    /** Extracts the embedded-redis binary for this OS and architecture. */
    static Path extractEmbedded() {
        String resource = embeddedResource();
        try (InputStream in = RedisBinary.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on the PATH and no " + resource
                        + " in the embedded-redis artifact: install redis-server 6.2+ or set -D" + PROPERTY);
            }
            Path dir = Files.createTempDirectory("fencelock-redis-bin");
            Path binary = dir.resolve("redis-server");
            Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
            if (!binary.toFile().setExecutable(true)) {
                throw new IllegalStateException("cannot make " + binary + " executable");
            }
            // Deleted in the reverse order of registration: the binary first, then its directory.
            dir.toFile().deleteOnExit();
            binary.toFile().deleteOnExit();
            return binary;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource, e);
        }
    }

    private static String embeddedResource() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm64");
        if (os.contains("mac")) {
            return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        }
        return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
    }

    /** The output of {@code redis-server --version}, or an empty string if it cannot be run. */
    public static String version(Path binary) {
        try {
            Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0 ? output : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static boolean isAtLeast62(String version) {
        Matcher matcher = VERSION.matcher(version);
        if (!matcher.find()) {
            return false;
        }
        int major = Integer.parseInt(matcher.group(1));
        int minor = Integer.parseInt(matcher.group(2));
        return major > 6 || major == 6 && minor >= 2;
    }
}
