package dev.fencelock.spi;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Owner tokens: {@link #PREFIX} and 128 bits from {@link SecureRandom}, one per acquisition, never
 * guessable. To other clients of the same keys (distlock-spec clients such as redis-py's
 * {@code Lock}, redsync, node-redlock) a token is one more opaque unique string; to a store, the
 * prefix tells a Fencelock holder, whose release is announced, from a foreign one, whose release is
 * not (see {@link Attempt.Refused#releaseAnnounced()}).
 *
 * <p>Stores read {@link #PREFIX} and {@link #isFencelock}; the engine alone mints tokens.
 */
public final class OwnerTokens {
    /**
     * What every Fencelock owner token begins with, followed by 32 lower-case hex digits. Not a
     * hex digit itself, so that no hex token of a foreign client (redis-py, node-redlock) starts
     * with it.
     */
    public static final String PREFIX = "fl-";

    private final SecureRandom random = new SecureRandom();

    OwnerTokens() {}

    String next() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return PREFIX + HexFormat.of().formatHex(bytes);
    }

    /** Whether {@code value}, as found in a lock, is the owner token of a Fencelock client. */
    public static boolean isFencelock(String value) {
        return value != null && value.startsWith(PREFIX);
    }
}
