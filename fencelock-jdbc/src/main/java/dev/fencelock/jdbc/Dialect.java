package dev.fencelock.jdbc;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The SQL of the fence table in each database {@link JdbcFence} supports. Each records a token
 * with its own upsert that keeps the greater of the stored token and the new one, and reads the
 * stored token back under the row lock that the upsert took, so that concurrent checks of one
 * resource queue on that row until the transaction ahead of them ends.
 */
public enum Dialect {
    /** PostgreSQL 9.5 or newer: {@code INSERT … ON CONFLICT DO UPDATE … RETURNING}, one round trip. */
    POSTGRESQL("CREATE TABLE IF NOT EXISTS %s (resource VARCHAR(255) PRIMARY KEY, token BIGINT NOT NULL)",
            "INSERT INTO %s AS f (resource, token) VALUES (?, ?)"
                    + " ON CONFLICT (resource) DO UPDATE SET token = GREATEST(f.token, ?) RETURNING token",
            null),
    /**
     * MySQL 5.7 or newer and MariaDB 10.3 or newer, InnoDB: {@code INSERT … ON DUPLICATE KEY UPDATE},
     * then a locking read. The resource is stored as bytes, because MySQL's string collations
     * compare case-insensitively and ignore trailing spaces: two resources would share one fence.
     * The bytes are the name's UTF-8 whatever the connection's character set, so that clients
     * connected with different ones share each resource's fence.
     */
    MYSQL("CREATE TABLE IF NOT EXISTS %s (resource VARBINARY(1020) PRIMARY KEY, token BIGINT NOT NULL) ENGINE=InnoDB",
            "INSERT INTO %s (resource, token) VALUES (?, ?) ON DUPLICATE KEY UPDATE token = GREATEST(token, ?)",
            "SELECT token FROM %s WHERE resource = ? FOR UPDATE"),
    /** H2 2.x: the SQL standard's {@code MERGE}, then a locking read. */
    H2("CREATE TABLE IF NOT EXISTS %s (resource VARCHAR(255) PRIMARY KEY, token BIGINT NOT NULL)",
            "MERGE INTO %s f USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS BIGINT))) AS s (resource, token)"
                    + " ON f.resource = s.resource WHEN MATCHED THEN UPDATE SET token = GREATEST(f.token, ?)"
                    + " WHEN NOT MATCHED THEN INSERT (resource, token) VALUES (s.resource, s.token)",
            "SELECT token FROM %s WHERE resource = ? FOR UPDATE");

    /** SQLSTATE of a unique constraint violation. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final String createTable;
    private final String upsert;
    /** The locking read of the stored token, or null when the upsert returns it. */
    private final String read;

    Dialect(String createTable, String upsert, String read) {
        this.createTable = createTable;
        this.upsert = upsert;
        this.read = read;
    }

    /**
     * The dialect of a database product, as {@code DatabaseMetaData.getDatabaseProductName()} names it.
     *
     * @throws IllegalArgumentException naming the product, the supported ones and how to add one
     */
    static Dialect forProduct(String productName) {
        String name = productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (name.contains("mysql") || name.contains("mariadb")) {
            return MYSQL;
        }
        if (name.equals("h2")) {
            return H2;
        }
        throw new IllegalArgumentException("dataSource: JdbcFence has no dialect for the database product '" + productName
                + "'; it supports PostgreSQL, MySQL, MariaDB and H2. If this database accepts the SQL of one of them, name it with"
                + " JdbcFence.builder(dataSource).dialect(Dialect.…); to add one, give dev.fencelock.jdbc.Dialect a constant"
                + " with its CREATE TABLE, its upsert that keeps the greater token, and a locking read (README, 'Adding a"
                + " dialect'); or fence a column of the row itself with FenceColumn, which needs no dialect");
    }

    /** The statement that creates the fence table {@code table} unless it exists. */
    String createTable(String table) {
        return String.format(Locale.ROOT, createTable, table);
    }

    /**
     * Records {@code token} for {@code resource} unless a greater one is recorded, in the
     * connection's transaction, and returns the token recorded now.
     */
    long record(Connection connection, String table, String resource, long token, int timeoutSeconds) throws SQLException {
        try {
            return upsertAndRead(connection, table, resource, token, timeoutSeconds);
        } catch (SQLException e) {
            // Elsewhere a unique violation is a failure of its own: PostgreSQL's aborts the transaction.
            if (this != H2 || !UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            // H2's MERGE inserts when it cannot see the row that a concurrent check inserted and has
            // not committed yet; it waits for that transaction and raises this once it committed.
            // The row is there now, so the second upsert updates it.
            return upsertAndRead(connection, table, resource, token, timeoutSeconds);
        }
    }

    private long upsertAndRead(Connection connection, String table, String resource, long token, int timeoutSeconds)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(String.format(Locale.ROOT, upsert, table))) {
            statement.setQueryTimeout(timeoutSeconds);
            bindResource(statement, resource);
            statement.setLong(2, token);
            statement.setLong(3, token);
            if (read == null) {
                return single(statement);
            }
            statement.executeUpdate();
        }
        try (PreparedStatement statement = connection.prepareStatement(String.format(Locale.ROOT, read, table))) {
            statement.setQueryTimeout(timeoutSeconds);
            bindResource(statement, resource);
            return single(statement);
        }
    }

    /** Binds the resource as the statement's first parameter: see {@link #MYSQL} for why as bytes there. */
    private void bindResource(PreparedStatement statement, String resource) throws SQLException {
        if (this == MYSQL) {
            statement.setBytes(1, resource.getBytes(StandardCharsets.UTF_8));
        } else {
            statement.setString(1, resource);
        }
    }

    private static long single(PreparedStatement query) throws SQLException {
        try (ResultSet row = query.executeQuery()) {
            if (!row.next()) {
                throw new SQLException("the fence row that the upsert wrote is missing");
            }
            return row.getLong(1);
        }
    }
}
