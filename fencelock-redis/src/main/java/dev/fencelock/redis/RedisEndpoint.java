package dev.fencelock.redis;

import io.lettuce.core.RedisURI;
import java.util.Objects;
import java.util.stream.Collectors;

/** Parses Redis URIs and names servers in messages, never with their credentials. */
final class RedisEndpoint {
    private RedisEndpoint() {}

    static RedisURI parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        RedisURI parsed;
        try {
            parsed = RedisURI.create(uri);
        } catch (RuntimeException e) {
            // Lettuce's message may quote the URI, password included: drop it.
            throw invalid(uri);
        }
        boolean sentinel = uri.startsWith("redis-sentinel://");
        if (sentinel ? parsed.getSentinels().isEmpty() || parsed.getSentinelMasterId() == null
                : !uri.startsWith("redis://") && !uri.startsWith("rediss://") || parsed.getHost() == null) {
            throw invalid(uri);
        }
        return parsed;
    }

    private static IllegalArgumentException invalid(String uri) {
        return new IllegalArgumentException("uri must look like redis://host:6379, "
                + "redis://user:password@host:6379/0, rediss://host:6380 (TLS) or "
                + "redis-sentinel://host:26379,host2:26379/0#mymaster, was " + redact(uri));
    }

    /** The URI with its user information replaced by {@code ***}. */
    static String redact(String uri) {
        int at = uri.lastIndexOf('@');
        if (at < 0) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        return (scheme >= 0 && scheme < at ? uri.substring(0, scheme + 3) : "") + "***" + uri.substring(at);
    }

    static String describe(RedisURI uri) {
        if (!uri.getSentinels().isEmpty()) {
            return "master '" + uri.getSentinelMasterId() + "' of sentinels "
                    + uri.getSentinels().stream().map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(","));
        }
        return uri.getHost() + ":" + uri.getPort() + (uri.isSsl() ? " (TLS)" : "");
    }
}
