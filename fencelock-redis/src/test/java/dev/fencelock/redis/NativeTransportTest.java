package dev.fencelock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.resource.EpollProvider;
import io.netty.channel.epoll.Epoll;
import io.netty.util.Version;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * fencelock-redis brings Netty's epoll transport for Lettuce on Linux (x86-64 and ARM64): it must
 * load there, and be built for the Netty that Lettuce brings, or Lettuce falls back to NIO (or
 * fails at its first connection) without a word.
 */
class NativeTransportTest {
    private static final Set<String> SHIPPED_ARCHITECTURES = Set.of("amd64", "x86_64", "aarch64");

    @Test
    void lettuceTakesTheEpollTransportOfItsOwnNetty() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        assumeTrue(os.toLowerCase(Locale.ROOT).startsWith("linux") && SHIPPED_ARCHITECTURES.contains(arch),
                "fencelock-redis ships Netty's epoll transport for Linux on x86-64 and ARM64 only, not for " + os + " on " + arch);

        assertThat(Epoll.isAvailable()).as("epoll loads: %s", Epoll.unavailabilityCause()).isTrue();
        assertThat(EpollProvider.isAvailable()).as("Lettuce takes epoll").isTrue();
        Map<String, Version> versions = Version.identify();
        assertThat(versions.get("netty-transport-native-epoll").artifactVersion())
                .as("the epoll transport's Netty version")
                .isEqualTo(versions.get("netty-common").artifactVersion());
    }
}
