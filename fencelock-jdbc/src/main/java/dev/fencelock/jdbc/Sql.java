package dev.fencelock.jdbc;

import dev.fencelock.spi.Checks;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/** What the fence table and the fence column share: checked names and tokens, and the refusal of a stale one. */
final class Sql {
    /**
     * Unquoted, so that each database folds the case as it does for the user's own statements;
     * 63 characters is PostgreSQL's limit (MySQL's is 64).
     */
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    /** How long a fenced statement may wait for a row that another transaction holds, unless set. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    private Sql() {}

    /**
     * The query timeout in JDBC's whole seconds, rounded up, so that it never cuts a wait the caller allowed.
     *
     * @throws IllegalArgumentException naming the timeout unless it is between {@link #MIN_TIMEOUT} and {@link #MAX_TIMEOUT}
     */
    static int timeoutSeconds(Duration timeout) {
        return (int) Checks.requireBetween(timeout, "timeout", MIN_TIMEOUT, MAX_TIMEOUT).plusNanos(999_999_999).toSeconds();
    }

    /**
     * @throws IllegalArgumentException naming {@code name} unless {@code value} is an unquoted SQL
     *     identifier, optionally qualified by a schema
     */
    static String requireIdentifier(String value, String name) {
        Objects.requireNonNull(value, name);
        String[] parts = value.split("\\.", -1);
        boolean valid = parts.length <= 2;
        for (String part : parts) {
            valid &= IDENTIFIER.matcher(part).matches();
        }
        if (!valid) {
            throw new IllegalArgumentException(name + " must be an unquoted SQL identifier (a letter or _, then up to 62"
                    + " letters, digits or _), optionally schema-qualified as schema.name, was '" + value + "'");
        }
        return value;
    }

    /** @throws IllegalArgumentException naming the token if it is negative */
    static long requireToken(long token) {
        if (token < 0) {
            throw new IllegalArgumentException("token must be between 0 and " + Long.MAX_VALUE + ", was " + token);
        }
        return token;
    }

    /**
     * Rolls back the caller's transaction, so that nothing a stale holder wrote in it commits, and
     * returns the exception to throw. In auto-commit mode there is nothing to roll back: the
     * refused statement wrote nothing.
     */
    static StaleTokenException rejected(Connection connection, String resource, long token, long newerToken) throws SQLException {
        StaleTokenException stale = new StaleTokenException(resource, token, newerToken);
        if (!connection.getAutoCommit()) {
            try {
                connection.rollback();
            } catch (SQLException e) {
                e.addSuppressed(stale);
                throw e;
            }
        }
        return stale;
    }
}
