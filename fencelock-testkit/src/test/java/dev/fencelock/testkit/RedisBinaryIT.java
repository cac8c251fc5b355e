package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit runs a redis-server 6.2+ from the PATH, else the one shipped in embedded-redis. */
class RedisBinaryIT {

    @Test
    void theEmbeddedBinaryIsExtractedOnceAndRuns() {
        // Forced: this machine may have a redis-server on its PATH, which locate() would prefer.
        Path binary = RedisBinary.extractEmbedded();

        assertThat(Files.isExecutable(binary)).as("%s is executable", binary).isTrue();
        assertThat(RedisBinary.version(binary)).as("the version %s --version reports", binary).startsWith("6.2.");
        assertThat(RedisBinary.extractEmbedded()).as("extracted once per JVM").isEqualTo(binary);
    }

    @Test
    void aRedisServerOlderThan62OnThePathIsPassedOver(@TempDir Path dir) throws IOException {
        Path old = fakeRedisServer(dir.resolve("old"), "6.0.16");
        Path recent = fakeRedisServer(dir.resolve("recent"), "7.2.4");

        assertThat(RedisBinary.onPath(old.getParent() + File.pathSeparator + recent.getParent())).isEqualTo(recent);
        assertThat(RedisBinary.onPath(old.getParent().toString())).as("only 6.0 on the PATH").isNull();
        assertThat(RedisBinary.onPath(dir.resolve("missing").toString())).as("none on the PATH").isNull();
    }

    @Test
    void versionsFrom62OnAreAccepted() {
        assertThat(RedisBinary.isAtLeast62("7.0.15")).isTrue();
        assertThat(RedisBinary.isAtLeast62("6.2.0")).isTrue();
        assertThat(RedisBinary.isAtLeast62("10.0.0")).isTrue();
        assertThat(RedisBinary.isAtLeast62("6.0.16")).isFalse();
        assertThat(RedisBinary.isAtLeast62("5.0.7")).isFalse();
        assertThat(RedisBinary.isAtLeast62("")).as("a binary that did not run").isFalse();
    }

    @Test
    void theDescriptionNamesTheChosenBinaryAndItsVersion() {
        assertThat(RedisBinary.description())
                .matches("redis-server \\d+\\.\\d+\\.\\d+ from .+ \\(.+\\)")
                .contains(" from " + RedisBinary.locate() + " ");
    }

    /** A script that answers --version as redis-server {@code version} does. */
    private static Path fakeRedisServer(Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        Path script = dir.resolve("redis-server");
        Files.writeString(script, "#!/bin/sh\necho 'Redis server v=" + version
                + " sha=00000000:0 malloc=libc bits=64 build=0000000000000000'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }
}
