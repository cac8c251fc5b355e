package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.redis.RedisLockOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.json.JsonParserFactory;

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

    /**
     * The annotation processor cannot read a default from another class's constant: the additional
     * metadata names it, and must name the value the options really default to.
     */
    @Test
    void theDefaultsShownToIdesAreTheOptionsDefaults() throws IOException {
        Map<String, Object> defaults = new HashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            Map<String, Object> metadata = JsonParserFactory.getJsonParser().parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            for (Object property : (List<?>) metadata.get("properties")) {
                Map<?, ?> described = (Map<?, ?>) property;
                defaults.put((String) described.get("name"), described.get("defaultValue"));
            }
        }
        assertThat(defaults.get("fencelock.namespace")).isEqualTo(RedisLockOptions.DEFAULT_NAMESPACE);
        assertThat(duration(defaults.get("fencelock.default-lease"))).isEqualTo(RedisLockOptions.DEFAULT_LEASE);
        assertThat(duration(defaults.get("fencelock.fence-counter-ttl"))).isEqualTo(RedisLockOptions.DEFAULT_FENCE_COUNTER_TTL);
        assertThat(duration(defaults.get("fencelock.redlock.node-timeout"))).isEqualTo(RedisLockOptions.DEFAULT_REDLOCK_NODE_TIMEOUT);
    }

    private static Duration duration(Object metadataValue) {
        assertThat(metadataValue).as("a default value").isInstanceOf(String.class);
        return DurationStyle.detectAndParse((String) metadataValue);
    }
}
