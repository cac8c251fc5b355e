package dev.fencelock.cli;

import dev.fencelock.jdbc.JdbcFence;
import dev.fencelock.jdbc.StaleTokenException;
import dev.fencelock.testkit.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The demo's row in PostgreSQL: a report that holders write after {@link JdbcFence} checked their
 * token, in the same transaction. The demo makes its tables and drops them when it ends; the paused
 * holder process connects to them with the URL it is given in {@link #URL_VARIABLE}.
 */
final class DemoDatabase implements AutoCloseable {
    /** The environment variable that hands the JDBC URL to the holder process (not its arguments, which ps shows). */
    static final String URL_VARIABLE = "FENCELOCK_DEMO_JDBC_URL";
    private static final String FENCE_TABLE = "fencelock_demo_fence";
    private static final String REPORT_TABLE = "fencelock_demo_report";

    private final PostgresServer server;
    private final String url;
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();
    private final JdbcFence fence;

    private DemoDatabase(PostgresServer server, String url) throws SQLException {
        this.server = server;
        this.url = url;
        dataSource.setURL(url);
        this.fence = JdbcFence.builder(dataSource).table(FENCE_TABLE).build();
    }

    /**
     * The configured or local PostgreSQL, else an embedded one, with the demo's tables made afresh;
     * empty, with the reason, when none can be had.
     */
    static Optional<DemoDatabase> start(StringBuilder whyNot) {
        PostgresServer server;
        try {
            server = PostgresServer.start();
        } catch (RuntimeException e) {
            whyNot.append(e.getMessage());
            return Optional.empty();
        }
        try {
            DemoDatabase database = new DemoDatabase(server, server.url());
            database.update("DROP TABLE IF EXISTS " + FENCE_TABLE + ", " + REPORT_TABLE,
                    "CREATE TABLE " + REPORT_TABLE + " (id int PRIMARY KEY, body text NOT NULL)",
                    "INSERT INTO " + REPORT_TABLE + " VALUES (1, 'empty')");
            database.fence.createTableIfMissing();
            return Optional.of(database);
        } catch (SQLException e) {
            server.close();
            whyNot.append("cannot make the demo's tables in ").append(server.description()).append(": ").append(e.getMessage());
            return Optional.empty();
        }
    }

    /** The tables {@link #start} made, from the holder process. */
    static DemoDatabase connect(String url) throws SQLException {
        return new DemoDatabase(null, url);
    }

    /** Which PostgreSQL this is: a server found or an embedded one. */
    String description() {
        return server.description();
    }

    String url() {
        return url;
    }

    /**
     * Writes the report in a transaction whose first statement is the fence check.
     *
     * @throws StaleTokenException if a newer holder's token is recorded; nothing was written
     */
    void write(String lock, long token, String body) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            fence.check(connection, lock, token);
            try (PreparedStatement write = connection.prepareStatement("UPDATE " + REPORT_TABLE + " SET body = ? WHERE id = 1")) {
                write.setString(1, body);
                write.executeUpdate();
            }
            connection.commit();
        }
    }

    private void update(String... statements) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /** Drops the demo's tables and stops an embedded PostgreSQL; for the demo, not the holder. */
    @Override
    public void close() throws SQLException {
        try {
            update("DROP TABLE IF EXISTS " + FENCE_TABLE + ", " + REPORT_TABLE);
        } finally {
            server.close();
        }
    }
}
