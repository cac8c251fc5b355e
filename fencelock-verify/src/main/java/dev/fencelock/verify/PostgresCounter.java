package dev.fencelock.verify;

import dev.fencelock.jdbc.Dialect;
import dev.fencelock.jdbc.JdbcFence;
import dev.fencelock.jdbc.StaleTokenException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The counter and its log as two PostgreSQL tables, with {@link JdbcFence}'s fence table beside
 * them, created for one scenario and dropped after it. A writer's fence is checked as an application
 * would: {@link JdbcFence#check} first in each transaction, whose row lock orders concurrent
 * holders until the transaction ends; the log row is inserted in the same transaction, so the log's
 * sequence is the order in which writes were applied. Readers of a read-write lock share the lock,
 * so they must not fence each other out: a reader reads the writers' fence without raising it and
 * raises the counter row's {@code read_fence}, which a writer's token must also reach.
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
    private static final String RESOURCE = "counter";
    private static final int ROW = 1;
    /** As the connection's socket timeout: a client never waits longer for the row another holds. */
    private static final Duration FENCE_TIMEOUT = Duration.ofSeconds(5);

    private final Connection connection;
    private final String table;
    private final JdbcFence fence;

    private PostgresCounter(String url, String table) throws SQLException {
        if (!TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("table must match " + TABLE + ", was " + table);
        }
        this.table = table;
        Properties properties = timeouts();
        properties.setProperty("socketTimeout", "5");
        this.connection = DriverManager.getConnection(url, properties);
        connection.setAutoCommit(false);
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        this.fence = JdbcFence.builder(dataSource).table(table + "_fence").dialect(Dialect.POSTGRESQL).timeout(FENCE_TIMEOUT).build();
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
                counter.fence.createTableIfMissing();
                create.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, value bigint NOT NULL,"
                        + " read_fence bigint NOT NULL)");
                create.execute("CREATE TABLE " + table + "_log (seq bigserial PRIMARY KEY, token bigint NOT NULL,"
                        + " value bigint NOT NULL, writer text NOT NULL)");
                create.execute("INSERT INTO " + table + " VALUES (" + ROW + ", 0, 0)");
                counter.connection.commit();
            } catch (SQLException e) {
                // The counter's tables were not committed, but the fence table was, on a connection of its own.
                try {
                    counter.connection.rollback();
                    counter.drop();
                } catch (SQLException | IllegalStateException cleanup) {
                    e.addSuppressed(cleanup);
                }
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
        try {
            fence.check(connection, RESOURCE, token);
            long readFence = readFence();
            if (readFence > token) {
                connection.rollback();
                return new Claim(false, Event.NONE, readFence);
            }
            long value = value();
            connection.commit();
            return new Claim(true, value, Event.NONE);
        } catch (StaleTokenException e) {
            return new Claim(false, Event.NONE, e.newerToken());
        } catch (SQLException e) {
            throw failed("claim", e);
        }
    }

    @Override
    public Claim read(long token, String reader) {
        try (PreparedStatement writers = connection.prepareStatement(
                        "SELECT token FROM " + fence.table() + " WHERE resource = ? FOR SHARE");
                PreparedStatement raise = connection.prepareStatement(
                        "UPDATE " + table + " SET read_fence = GREATEST(read_fence, ?) WHERE id = " + ROW + " RETURNING value")) {
            writers.setString(1, RESOURCE);
            try (ResultSet row = writers.executeQuery()) {
                long writerFence = row.next() ? row.getLong(1) : 0;
                if (writerFence > token) {
                    connection.rollback();
                    return new Claim(false, Event.NONE, writerFence);
                }
            }
            raise.setLong(1, token);
            try (ResultSet row = raise.executeQuery()) {
                row.next();
                long value = row.getLong(1);
                connection.commit();
                return new Claim(true, value, Event.NONE);
            }
        } catch (SQLException e) {
            throw failed("read", e);
        }
    }

    @Override
    public Write write(long token, long value, String writer) {
        try {
            fence.check(connection, RESOURCE, token);
            long readFence = readFence();
            if (readFence > token) {
                connection.rollback();
                return new Write(false, readFence);
            }
            try (PreparedStatement update = connection.prepareStatement("UPDATE " + table + " SET value = ? WHERE id = " + ROW);
                    PreparedStatement log = connection.prepareStatement(
                            "INSERT INTO " + table + "_log (token, value, writer) VALUES (?, ?, ?)")) {
                update.setLong(1, value);
                update.executeUpdate();
                log.setLong(1, token);
                log.setLong(2, value);
                log.setString(3, writer);
                log.executeUpdate();
            }
            connection.commit();
            return new Write(true, Event.NONE);
        } catch (StaleTokenException e) {
            return new Write(false, e.newerToken());
        } catch (SQLException e) {
            throw failed("write", e);
        }
    }

    private long value() throws SQLException {
        return column("value");
    }

    /** The newest reader's token, under the row's lock: no reader raises it before this transaction ends. */
    private long readFence() throws SQLException {
        return column("read_fence");
    }

    private long column(String column) throws SQLException {
        try (Statement select = connection.createStatement();
                ResultSet row = select.executeQuery("SELECT " + column + " FROM " + table + " WHERE id = " + ROW + " FOR UPDATE")) {
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
            long value = value();
            connection.commit();
            return new Audit(NAME, true, log, value);
        } catch (SQLException e) {
            throw failed("audit", e);
        }
    }

    /** Drops the counter's tables. */
    void drop() {
        try (Statement drop = connection.createStatement()) {
            drop.execute("DROP TABLE IF EXISTS " + table + ", " + table + "_log, " + fence.table());
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
