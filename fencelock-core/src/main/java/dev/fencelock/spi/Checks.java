package dev.fencelock;

import java.time.Duration;
import java.util.Objects;

/** Fail-fast checks whose messages name the argument, its value and the allowed range. */
final class Arguments {
    private Arguments() {}

    static Duration requireBetween(Duration value, String name, Duration min, Duration max) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    name + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    static Duration requireNotNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
        return value;
    }

    /**
     * Rejects a string that is not well-formed UTF-16: an unpaired surrogate would be encoded as
     * '?' on its way to Redis, so that two different names would name one key.
     */
    static String requireWellFormed(String value, String name) {
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

    static String requireLength(String value, String name, int min, int max) {
        Objects.requireNonNull(value, name);
        if (value.length() < min || value.length() > max) {
            throw new IllegalArgumentException(name + " must have " + min + " to " + max
                    + " characters, had " + value.length());
        }
        return value;
    }
}
