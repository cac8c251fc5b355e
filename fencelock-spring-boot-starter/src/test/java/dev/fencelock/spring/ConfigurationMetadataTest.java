package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The metadata from which IDEs complete the properties is in the jar, with every property the starter reads. */
class ConfigurationMetadataTest {

    @Test
    void everyPropertyOfTheStarterIsDescribedForIdes() throws IOException {
        String metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json on the class path").isNotNull();
            metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(metadata).contains(
                "\"fencelock.namespace\"", "\"fencelock.default-lease\"", "\"fencelock.command-timeout\"",
                "\"fencelock.connect-timeout\"", "\"fencelock.fence-counter-ttl\"", "\"fencelock.outage-allowance\"", "\"fencelock.redlock.uris\"",
                "\"fencelock.redlock.node-timeout\"", "\"fencelock.redlock.restart-quarantine\"", "\"fencelock.integration.lock-registry.enabled\"",
                "\"management.health.fencelock.enabled\"");
    }
}
