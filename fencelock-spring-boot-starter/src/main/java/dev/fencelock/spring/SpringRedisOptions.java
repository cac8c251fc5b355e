package dev.fencelock.spring;

import dev.fencelock.redis.RedisLockOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.boot.autoconfigure.data.redis.RedisProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns {@code spring.data.redis.*} and {@code fencelock.*} into {@link RedisLockOptions}. Every
 * value the options refuse fails with {@link InvalidConfigurationPropertyValueException}, which
 * names the property (Spring Boot prints it at startup); passwords are never part of a message.
 */
final class SpringRedisOptions {
    private static final String REDACTED = "(not shown: it may hold a password)";

    private SpringRedisOptions() {}

    static RedisLockOptions from(RedisProperties redis, FencelockProperties fencelock) {
        RedisLockOptions.Builder builder = topology(redis, fencelock);
        set("fencelock.namespace", fencelock.getNamespace(), builder::namespace);
        set("fencelock.default-lease", fencelock.getDefaultLease(), builder::defaultLease);
        if (fencelock.getCommandTimeout() != null) {
            set("fencelock.command-timeout", fencelock.getCommandTimeout(), builder::commandTimeout);
        } else {
            set("spring.data.redis.timeout", redis.getTimeout(), builder::commandTimeout);
        }
        if (fencelock.getConnectTimeout() != null) {
            set("fencelock.connect-timeout", fencelock.getConnectTimeout(), builder::connectTimeout);
        } else {
            set("spring.data.redis.connect-timeout", redis.getConnectTimeout(), builder::connectTimeout);
        }
        set("fencelock.fence-counter-ttl", fencelock.getFenceCounterTtl(), builder::fenceCounterTtl);
        set("fencelock.outage-allowance", fencelock.getOutageAllowance(), builder::outageAllowance);
        set("fencelock.redlock.node-timeout", fencelock.getRedlock().getNodeTimeout(), builder::redlockNodeTimeout);
        set("fencelock.redlock.restart-quarantine", fencelock.getRedlock().getRestartQuarantine(),
                builder::redlockRestartQuarantine);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            // The rules between two settings: the node timeout within the command timeout, and the
            // command timeout within a third of the default lease.
            boolean redlock = e.getMessage().startsWith("redlockNodeTimeout");
            throw new InvalidConfigurationPropertyValueException(
                    redlock ? "fencelock.redlock.node-timeout" : "fencelock.default-lease",
                    redlock ? fencelock.getRedlock().getNodeTimeout() : fencelock.getDefaultLease(),
                    e.getMessage() + " (the command timeout is fencelock.command-timeout, else spring.data.redis.timeout)");
        }
    }

    /** Redlock when fencelock.redlock.uris is set; else Sentinel, Cluster, a URL, or host and port, as Spring Data Redis chooses. */
    private static RedisLockOptions.Builder topology(RedisProperties redis, FencelockProperties fencelock) {
        if (!fencelock.getRedlock().getUris().isEmpty()) {
            return parse("fencelock.redlock.uris", () -> RedisLockOptions.redlock(fencelock.getRedlock().getUris()));
        }
        // A rediss:// URL asks for TLS with Sentinel and Cluster too, as Spring Data Redis takes it,
        // which sends them the URL's credentials.
        boolean urlAsksForTls = redis.getUrl() != null && "rediss".equals(url(redis).getScheme());
        boolean ssl = redis.getSsl().isEnabled() || urlAsksForTls;
        if (redis.getSsl().getBundle() != null) {
            throw new InvalidConfigurationPropertyValueException("spring.data.redis.ssl.bundle", redis.getSsl().getBundle(),
                    "Fencelock verifies TLS against the JVM's trust store and does not read SSL bundles;"
                            + " set spring.data.redis.ssl.enabled=true and add the CA to the trust store instead");
        }
        RedisProperties.Sentinel sentinel = redis.getSentinel();
        if (sentinel != null) {
            if (sentinel.getUsername() != null || sentinel.getPassword() != null) {
                throw new InvalidConfigurationPropertyValueException("spring.data.redis.sentinel.password", REDACTED,
                        "Fencelock authenticates to Sentinel with no credentials of its own;"
                                + " unset spring.data.redis.sentinel.username and .password");
            }
            if (ssl) {
                throw new InvalidConfigurationPropertyValueException(
                        urlAsksForTls ? "spring.data.redis.url" : "spring.data.redis.ssl.enabled", urlAsksForTls ? REDACTED : true,
                        "Fencelock does not connect to Sentinel over TLS; use TLS with a single server or a cluster");
            }
            String uri = "redis-sentinel://" + userInfo(redis) + String.join(",", sentinel.getNodes())
                    + "/" + database(redis) + "#" + sentinel.getMaster();
            return parse("spring.data.redis.sentinel.nodes", () -> RedisLockOptions.builder(uri));
        }
        RedisProperties.Cluster cluster = redis.getCluster();
        if (cluster != null) {
            List<String> seeds = cluster.getNodes().stream()
                    .map(node -> (ssl ? "rediss://" : "redis://") + userInfo(redis) + node).toList();
            return parse("spring.data.redis.cluster.nodes", () -> RedisLockOptions.cluster(seeds));
        }
        if (redis.getUrl() != null) {
            String url = ssl && redis.getUrl().startsWith("redis://") ? "rediss://" + redis.getUrl().substring(8) : redis.getUrl();
            return parse("spring.data.redis.url", () -> RedisLockOptions.builder(url));
        }
        String uri = (ssl ? "rediss://" : "redis://") + userInfo(redis) + redis.getHost() + ":" + redis.getPort()
                + "/" + redis.getDatabase();
        return parse("spring.data.redis.host", () -> RedisLockOptions.builder(uri));
    }

    /**
     * {@code user:password@}, each part percent-encoded, or empty without a password: those of
     * {@code spring.data.redis.url} when it is set, with Sentinel and Cluster too, as Spring Data
     * Redis takes them.
     */
    private static String userInfo(RedisProperties redis) {
        if (redis.getUrl() != null) {
            String userInfo = url(redis).getRawUserInfo();
            return userInfo == null ? "" : userInfo + "@";
        }
        if (redis.getPassword() == null) {
            return "";
        }
        String user = redis.getUsername() == null ? "" : encode(redis.getUsername());
        return user + ":" + encode(redis.getPassword()) + "@";
    }

    /** The database of {@code spring.data.redis.url} when it is set (0 when it names none), as Spring Data Redis takes it. */
    private static int database(RedisProperties redis) {
        if (redis.getUrl() == null) {
            return redis.getDatabase();
        }
        String path = url(redis).getPath();
        if (path == null || path.length() <= 1) {
            return 0;
        }
        try {
            return Integer.parseInt(path.substring(1));
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationPropertyValueException("spring.data.redis.url", REDACTED,
                    "the URL's path must be a database number, as in redis://host:6379/3");
        }
    }

    private static URI url(RedisProperties redis) {
        try {
            return new URI(redis.getUrl());
        } catch (URISyntaxException e) {
            // The reason alone: the input, which the exception's message repeats, may hold a password.
            throw new InvalidConfigurationPropertyValueException("spring.data.redis.url", REDACTED, "not a URI: " + e.getReason());
        }
    }

    private static String encode(String part) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : part.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }

    private static RedisLockOptions.Builder parse(String property, Supplier<RedisLockOptions.Builder> builder) {
        try {
            return builder.get();
        } catch (IllegalArgumentException e) {
            // The library's message redacts credentials; the value itself might hold one.
            throw new InvalidConfigurationPropertyValueException(property, REDACTED, e.getMessage());
        }
    }

    private static <T> void set(String property, T value, Consumer<T> setter) {
        if (value == null) {
            return;
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
        }
    }
}
