package dev.fencelock.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Fail-fast checks whose messages name the argument, its value and the allowed range: for the
 * options of every store, so that they all fail alike.
 */
public final class Checks {
    private Checks() {}

    /**
     * @return {@code value}
     * @throws NullPointerException naming {@code name} if {@code value} is null
     * @throws IllegalArgumentException naming {@code name}, the range and the value if it is outside
     */
    public static Duration requireBetween(Duration value, String name, Duration min, Duration max) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    name + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    /**
     * @return {@code value}
     * @throws IllegalArgumentException naming {@code name}, the range and the value if it is outside
     */
    public static int requireBetween(int value, String name, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    /**
     * @return {@code value}
     * @throws NullPointerException naming {@code name} if {@code value} is null
     * @throws IllegalArgumentException naming {@code name} and the value if it is negative
     */
    public static Duration requireNotNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
        return value;
    }

    /**
     * Rejects a string that is not well-formed UTF-16: an unpaired surrogate would be encoded as
     * '?' on its way to the store, so that two different names would name one key.
     *
     * @return {@code value}
     * @throws IllegalArgumentException naming {@code name}, the surrogate and its index
     */
    public static String requireWellFormed(String value, String name) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(name + " must be well-formed UTF-16, but has an unpaired surrogate"
                        + String.format(" \\u%04X", (int) c) + " at index " + i);
            }
        }
        return value;
    }

    /**
     * @return {@code value}
     * @throws NullPointerException naming {@code name} if {@code value} is null
     * @throws IllegalArgumentException naming {@code name}, the range and the length if it is outside
     */
    public static String requireLength(String value, String name, int min, int max) {
        Objects.requireNonNull(value, name);
        if (value.length() < min || value.length() > max) {
            throw new IllegalArgumentException(name + " must have " + min + " to " + max
                    + " characters, had " + value.length());
        }
        return value;
    }

    /**
     * The rule between a lease and the call timeout, for the default lease and every other: a
     * renewal that times out must leave time for another before the lease runs out.
     */
    public static Duration requireLongerThanThreeCallTimeouts(Duration lease, String name, Duration callTimeout) {
        // In nanoseconds: Duration.multipliedBy goes through BigDecimal, on every acquisition.
        if (3 * callTimeout.toNanos() >= lease.toNanos()) {
            throw new IllegalArgumentException(name + " (" + lease + ") must be longer than three command timeouts"
                    + " (commandTimeout " + callTimeout + "), so that a renewal can time out and be retried"
                    + " before the lease runs out");
        }
        return lease;
    }
}
