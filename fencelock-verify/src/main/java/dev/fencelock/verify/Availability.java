package dev.fencelock.verify;

import java.util.Objects;
import java.util.Optional;

/**
 * Something this machine may or may not be able to provide (a fake clock, a network namespace,
 * PostgreSQL): the thing, or the reason it is missing, which the report shows as a skipped fault.
 *
 * @param value the thing, when available
 * @param reason why it is not, when unavailable
 */
record Availability<T>(Optional<T> value, Optional<String> reason) {

    static <T> Availability<T> of(T value) {
        return new Availability<>(Optional.of(Objects.requireNonNull(value, "value")), Optional.empty());
    }

    static <T> Availability<T> unavailable(String reason) {
        return new Availability<>(Optional.empty(), Optional.of(Objects.requireNonNull(reason, "reason")));
    }
}
