package dev.fencelock.verify;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The counter and its log as two PostgreSQL tables, created for one scenario and dropped after it.
 * The fence is checked in the statement that writes, as an application would:
 * {@code UPDATE … SET value = ?, fence = ? WHERE id = ? AND fence <= ? AND read_fence <= ?}, where
 * {@code read_fence} is the newest token of a reader of a read-write lock; a row lock orders
 * concurrent writers, and the log row is inserted in the same transaction, so the log's sequence
 * is the order in which writes were applied.
 *
 * <p>Used only when a PostgreSQL answers at {@link #url()} (by default 127.0.0.1:5432, database
 * {@code test}, user {@code postgres}, trust authentication); otherwise the run reports this
 * resource skipped.
 */
final class PostgresCounter implements FencedResource {
    static final String NAME = "postgresql";
    /** System property naming another JDBC URL. */
    static final String URL_PROPERTY = "fencelock.verify.postgresql";
    private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private static final Pattern TABLE = Pattern.compile("[a-z][a-z0-9_]{0,40}");
    private static final int ROW = 1;

    private final Connection connection;
    private final String table;

    private PostgresCounter(String url, String table) throws SQLException {
        if (!TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("table must match " + TABLE + ", was " + table);
        }
        this.table = table;
        Properties properties = timeouts();
        properties.setProperty("socketTimeout", "5");
        this.connection = DriverManager.getConnection(url, properties);
        connection.setAutoCommit(false);
    }

    /** The JDBC URL of the PostgreSQL to use. */
    static String url() {
        return System.getProperty(URL_PROPERTY, DEFAULT_URL);
    }

    /** Why PostgreSQL cannot be used at {@code url}, or empty when it can. */
    static Optional<String> unavailable(String url) {
        try (Connection probe = DriverManager.getConnection(url, timeouts())) {
            return probe.isValid(2) ? Optional.empty() : Optional.of("the PostgreSQL at " + redacted(url) + " does not answer");
        } catch (SQLException e) {
            return Optional.of("no PostgreSQL at " + redacted(url) + ": " + e.getMessage());
        }
    }

    private static String redacted(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    /**
     * Seconds: bounded waits, so that a client never hangs on the resource — but generous ones,
     * as six client JVMs connect at once while starting on two cores.
     */
    private static Properties timeouts() {
        Properties properties = new Properties();
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("loginTimeout", "10");
        return properties;
    }

    /** Creates the counter's tables, with the counter at 0 and no fence seen. */
    static PostgresCounter create(String url, String table) {
        try {
            PostgresCounter counter = new PostgresCounter(url, table);
            try (Statement create = counter.connection.createStatement()) {
                create.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, value bigint NOT NULL, fence bigint NOT NULL,"
                        + " read_fence bigint NOT NULL, claimer text)");
                create.execute("CREATE TABLE " + table + "_log (seq bigserial PRIMARY KEY, token bigint NOT NULL,"
                        + " value bigint NOT NULL, writer text NOT NULL)");
                create.execute("INSERT INTO " + table + " VALUES (" + ROW + ", 0, 0, 0, NULL)");
                counter.connection.commit();
            } catch (SQLException e) {
                // Nothing was committed: closing the connection leaves no table behind.
                counter.close();
                throw e;
            }
            return counter;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the tables " + table + " in " + redacted(url) + ": " + e.getMessage(), e);
        }
    }

    /** Connects to tables made by {@link #create}. */
    static PostgresCounter open(String url, String table) {
        try {
            return new PostgresCounter(url, table);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to " + redacted(url) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Claim claim(long token, String writer) {
        return claimRow("UPDATE " + table + " SET fence = ?, claimer = ? WHERE id = ? AND fence <= ? AND read_fence <= ? RETURNING value",
                "claim", token, writer);
    }

    @Override
    public Claim read(long token, String reader) {
        return claimRow("UPDATE " + table + " SET read_fence = GREATEST(read_fence, ?), claimer = ? WHERE id = ? AND fence <= ? RETURNING value",
                "read", token, reader);
    }

    /**
     * Runs a claim or a read: {@code sql} takes the token, the holder and the row, then the token in
     * each of its fence conditions; it returns the value when the row matched.
     */
    private Claim claimRow(String sql, String what, long token, String holder) {
        try (PreparedStatement claim = connection.prepareStatement(sql)) {
            claim.setLong(1, token);
            claim.setString(2, holder);
            claim.setInt(3, ROW);
            for (int fence = 4; fence <= sql.chars().filter(c -> c == '?').count(); fence++) {
                claim.setLong(fence, token);
            }
            try (ResultSet row = claim.executeQuery()) {
                Claim result = row.next() ? new Claim(true, row.getLong(1), Event.NONE) : new Claim(false, Event.NONE, storedFence());
                connection.commit();
                return result;
            }
        } catch (SQLException e) {
            throw failed(what, e);
        }
    }

    @Override
    public Write write(long token, long value, String writer) {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE " + table + " SET value = ?, fence = ? WHERE id = ? AND fence <= ? AND read_fence <= ?")) {
            update.setLong(1, value);
            update.setLong(2, token);
            update.setInt(3, ROW);
            update.setLong(4, token);
            update.setLong(5, token);
            if (update.executeUpdate() == 0) {
                long stored = storedFence();
                connection.rollback();
                return new Write(false, stored);
            }
            try (PreparedStatement log = connection.prepareStatement(
                    "INSERT INTO " + table + "_log (token, value, writer) VALUES (?, ?, ?)")) {
                log.setLong(1, token);
                log.setLong(2, value);
                log.setString(3, writer);
                log.executeUpdate();
            }
            connection.commit();
            return new Write(true, Event.NONE);
        } catch (SQLException e) {
            throw failed("write", e);
        }
    }

    private long storedFence() throws SQLException {
        try (Statement select = connection.createStatement();
                ResultSet row = select.executeQuery("SELECT GREATEST(fence, read_fence) FROM " + table + " WHERE id = " + ROW)) {
            row.next();
            return row.getLong(1);
        }
    }

    @Override
    public Audit audit() {
        try (Statement select = connection.createStatement()) {
            List<Entry> log = new ArrayList<>();
            try (ResultSet rows = select.executeQuery("SELECT token, value, writer FROM " + table + "_log ORDER BY seq")) {
                while (rows.next()) {
                    log.add(new Entry(rows.getLong(1), rows.getLong(2), rows.getString(3)));
                }
            }
            long value;
            try (ResultSet row = select.executeQuery("SELECT value FROM " + table + " WHERE id = " + ROW)) {
                row.next();
                value = row.getLong(1);
            }
            connection.commit();
            return new Audit(NAME, true, log, value);
        } catch (SQLException e) {
            throw failed("audit", e);
        }
    }

    /** Drops the counter's tables. */
    void drop() {
        try (Statement drop = connection.createStatement()) {
            drop.execute("DROP TABLE IF EXISTS " + table + ", " + table + "_log");
            connection.commit();
        } catch (SQLException e) {
            throw failed("drop", e);
        }
    }

    private IllegalStateException failed(String what, SQLException e) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the original failure is what matters.
        }
        return new IllegalStateException("postgresql " + what + " failed: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // Closing a broken connection: nothing left to release.
        }
    }
}
