package dev.fencelock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.data.redis.RedisProperties;

/** Spring Data Redis's properties as the lock client takes them; nothing is connected. */
class SpringRedisOptionsTest {

    @Test
    void aRedissUrlMakesTheClusterClientUseTlsAsSpringDataRedisDoes() {
        RedisProperties redis = new RedisProperties();
        redis.setUrl("rediss://:s3cret-pw@unused.invalid:6390");
        RedisProperties.Cluster cluster = new RedisProperties.Cluster();
        cluster.setNodes(List.of("c1:6391", "c2:6380"));
        redis.setCluster(cluster);

        assertThat(SpringRedisOptions.from(redis, new FencelockProperties()).server())
                .as("the seeds, which are sent the URL's password").isEqualTo("cluster(c1:6391 (TLS), c2:6380 (TLS))");
    }
}
