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
    /** How many characters of a holder {@link #shown} keeps: enough to tell holders apart. */
    public static final int SHOWN_LENGTH = 8;
    /** The longest {@code holder} of {@link dev.fencelock.LockAdmin#forceRelease(String, String)}. */
    public static final int MAX_HOLDER_LENGTH = 1024;

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

    /**
     * How {@link dev.fencelock.LockInfo#holder} shows the holder whose value, as found in a lock, is
     * {@code value}: its first {@value #SHOWN_LENGTH} characters after the prefix of a Fencelock
     * token, else of the value.
     */
    public static String shown(String value) {
        String distinct = distinct(value);
        return distinct.length() > SHOWN_LENGTH ? distinct.substring(0, SHOWN_LENGTH) : distinct;
    }

    /**
     * @return {@code holder}
     * @throws IllegalArgumentException naming the holder and its allowed length
     */
    public static String checkHolder(String holder) {
        return Checks.requireLength(holder, "holder", 1, MAX_HOLDER_LENGTH);
    }

    /**
     * Whether the holder whose value is {@code value} is the one an operator names {@code holder}:
     * of a Fencelock token, at least the {@value #SHOWN_LENGTH} characters {@link #shown} shows, or
     * more of the token, with or without its prefix; of a foreign value, which may begin alike for
     * every holder of its kind, the whole value.
     */
    public static boolean isHolder(String value, String holder) {
        if (!isFencelock(value)) {
            return holder.equals(value);
        }
        String named = distinct(holder);
        return named.length() >= SHOWN_LENGTH && distinct(value).startsWith(named);
    }

    private static String distinct(String value) {
        return isFencelock(value) ? value.substring(PREFIX.length()) : value;
    }
}
