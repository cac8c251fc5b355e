package dev.fencelock.jdbc;

import dev.fencelock.spi.Checks;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The resource side of fencing in a relational database: {@link #check} records a holder's
 * fencing token for a resource inside the holder's own transaction and refuses a token older than
 * one already recorded, so that a holder paused past its lease cannot write after the holder that
 * came next.
 *
 * <pre>{@code
 * JdbcFence fence = JdbcFence.create(dataSource);       // the dialect from the connection's metadata
 * fence.createTableIfMissing();                          // once, or the DDL from the README
 * try (Connection c = dataSource.getConnection()) {
 *     c.setAutoCommit(false);
 *     fence.check(c, "orders:42", lease.fencingToken()); // first, before reading what you will write
 *     ... read and write the order ...
 *     c.commit();
 * }
 * }</pre>
 *
 * <p>The tokens live in one table (by default {@value #DEFAULT_TABLE}) with a row per resource.
 * {@code check} takes that row's lock until the transaction ends, so concurrent checks of one
 * resource queue behind each other: a holder with an older token that arrives while a newer holder's
 * transaction is open waits for it, then is refused. Equal tokens pass (one holder writing twice).
 *
 * <p>PostgreSQL, MySQL, MariaDB and H2 are supported ({@link Dialect}). Thread-safe: one instance
 * serves every connection of its data source.
 */
public final class JdbcFence {
    /** The fence table's name unless {@link Builder#table} names another. */
    public static final String DEFAULT_TABLE = "fencelock_fence";
    /** Resource names are stored in a {@code VARCHAR(255)} key. */
    static final int MAX_RESOURCE_LENGTH = 255;
    /** SQLSTATEs of a CREATE TABLE that lost the race to another session's: unique violation, duplicate table or type. */
    private static final Set<String> CREATED_MEANWHILE = Set.of("23505", "42P07", "42710");

    private final DataSource dataSource;
    private final String table;
    private final Dialect dialect;
    private final int timeoutSeconds;

    private JdbcFence(DataSource dataSource, String table, Dialect dialect, int timeoutSeconds) {
        this.dataSource = dataSource;
        this.table = table;
        this.dialect = dialect;
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * A fence on the table {@value #DEFAULT_TABLE}, in the dialect that the database reports.
     *
     * @throws IllegalArgumentException if the database is not one that {@link Dialect} supports (the
     *     message names the product and how to add one)
     * @throws SQLException if no connection could be obtained to ask the database its product name
     */
    public static JdbcFence create(DataSource dataSource) throws SQLException {
        return builder(dataSource).build();
    }

    /** A builder of a fence over {@code dataSource}, to name the table, the dialect or the timeout. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
    }

    /** The fence table's name. */
    public String table() {
        return table;
    }

    /** The SQL dialect in use. */
    public Dialect dialect() {
        return dialect;
    }

    /**
     * Creates the fence table unless it exists, in a transaction of its own; the statement is the
     * one the README prints for the dialect. Instances that start together may all call it.
     *
     * @throws SQLException if the database refused it (for example, the user may not create tables)
     */
    public void createTableIfMissing() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            if (exists(connection, statement)) {
                return;
            }
            try {
                createTable(connection, statement);
            } catch (SQLException e) {
                if (!CREATED_MEANWHILE.contains(e.getSQLState())) {
                    throw e;
                }
                // PostgreSQL's IF NOT EXISTS does not cover a session that creates the table at the
                // same moment (a unique violation in its catalog, or its table or row type "already
                // exists"): instances that start together would fail. The table is there now, and
                // the statement skips it.
                if (!connection.getAutoCommit()) {
                    connection.rollback();
                }
                createTable(connection, statement);
            }
        }
    }

    /**
     * Whether the table is there: a role that may use it but not create tables (PostgreSQL 15's
     * default on the public schema, a table its administrator created) is refused even {@code CREATE
     * TABLE IF NOT EXISTS}, which checks the privilege first.
     */
    private boolean exists(Connection connection, Statement statement) throws SQLException {
        try {
            statement.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException missingOrNotReadable) {
            // The statement that follows fails with the database's own reason if it cannot create it.
            return false;
        } finally {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        }
    }

    private void createTable(Connection connection, Statement statement) throws SQLException {
        statement.execute(dialect.createTable(table));
        if (!connection.getAutoCommit()) {
            connection.commit();
        }
    }

    /**
     * Records {@code token} for {@code resource} in the connection's current transaction, unless a
     * newer token is recorded already. Call it first in the transaction, before reading what the
     * transaction will write (on MySQL and MariaDB at {@code REPEATABLE READ}, before reading any
     * table: the transaction's snapshot dates from its first read): from then on, until the
     * transaction ends, a concurrent check of the same resource waits.
     *
     * @param connection a connection in a transaction ({@code setAutoCommit(false)}): the check and
     *     the writes it protects must commit together
     * @param resource what the token protects, usually the lock's name: 1 to 255 characters of
     *     well-formed UTF-16, without U+0000 (which PostgreSQL cannot store in text; refused in every
     *     dialect, so that a resource name works in each)
     * @param token the holder's fencing token ({@code lease.fencingToken()}), not negative
     * @throws StaleTokenException if a newer token is recorded for {@code resource}; the transaction
     *     has been rolled back
     * @throws IllegalArgumentException if the connection is in auto-commit mode, or an argument is
     *     out of range (the message names it)
     * @throws SQLException if the database failed, or the row stayed locked by another transaction
     *     for longer than the timeout ({@link Builder#timeout}); the transaction's outcome is then the
     *     caller's to decide, and it must not commit writes it meant to fence
     */
    public void check(Connection connection, String resource, long token) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Checks.requireWellFormed(Checks.requireLength(resource, "resource", 1, MAX_RESOURCE_LENGTH), "resource");
        requireNoNul(resource);
        Sql.requireToken(token);
        if (connection.getAutoCommit()) {
            throw new IllegalArgumentException("connection must be in a transaction (setAutoCommit(false)): in auto-commit"
                    + " mode the token would be recorded apart from the writes it fences");
        }
        long recorded = dialect.record(connection, table, resource, token, timeoutSeconds);
        if (recorded > token) {
            throw Sql.rejected(connection, resource, token, recorded);
        }
    }

    /**
     * Refuses U+0000 before the database sees it: PostgreSQL would fail the statement (SQLSTATE 22021)
     * without naming the argument, and abort the caller's transaction with it.
     */
    private static void requireNoNul(String resource) {
        int nul = resource.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException("resource must not contain the character U+0000, which PostgreSQL cannot"
                    + " store in text, but has it at index " + nul);
        }
    }

    @Override
    public String toString() {
        return "JdbcFence[" + dialect + ", table " + table + "]";
    }

    /** Builds a {@link JdbcFence}; each setting is checked where it is given. Not thread-safe. */
    public static final class Builder {
        private final DataSource dataSource;
        private String table = DEFAULT_TABLE;
        private Dialect dialect;
        private int timeoutSeconds = Sql.timeoutSeconds(Sql.DEFAULT_TIMEOUT);

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /**
         * The fence table: an unquoted SQL identifier, optionally schema-qualified
         * ({@code locks.fence}). Default {@value JdbcFence#DEFAULT_TABLE}.
         */
        public Builder table(String table) {
            this.table = Sql.requireIdentifier(table, "table");
            return this;
        }

        /** The SQL dialect, instead of detecting it from the database's product name. */
        public Builder dialect(Dialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * How long a check may wait for the fence row while another transaction holds it (a holder
         * paused inside its transaction holds it until the database ends that transaction):
         * 1 s to 1 h, rounded up to whole seconds; default 10 s.
         */
        public Builder timeout(Duration timeout) {
            this.timeoutSeconds = Sql.timeoutSeconds(timeout);
            return this;
        }

        /**
         * @throws IllegalArgumentException if no dialect was named and the database is not one that
         *     {@link Dialect} supports
         * @throws SQLException if no dialect was named and no connection could be obtained to ask
         */
        public JdbcFence build() throws SQLException {
            Dialect chosen = dialect;
            if (chosen == null) {
                try (Connection connection = dataSource.getConnection()) {
                    chosen = Dialect.forProduct(connection.getMetaData().getDatabaseProductName());
                }
            }
            return new JdbcFence(dataSource, table, chosen, timeoutSeconds);
        }
    }
}
