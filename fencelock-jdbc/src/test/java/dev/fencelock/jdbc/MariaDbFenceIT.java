package dev.fencelock.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.mariadb.jdbc.MariaDbDataSource;

/**
 * The fence contract on MariaDB or MySQL: the server at {@code -Dfencelock.mysql.url} or
 * {@code $FENCELOCK_MYSQL_URL}, else at 127.0.0.1:3306 (user root without a password, database
 * {@code test}). Without one, every test reports itself skipped with the reason.
 */
class MariaDbFenceIT extends FenceContract {
    private static final String DEFAULT_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=2000";
    private static MariaDbDataSource dataSource;
    private static String missing;

    @BeforeAll
    static void findServer() throws SQLException {
        String url = Optional.ofNullable(System.getProperty("fencelock.mysql.url"))
                .or(() -> Optional.ofNullable(System.getenv("FENCELOCK_MYSQL_URL")))
                .orElse(DEFAULT_URL);
        String shown = url.replaceAll("password=[^&]*", "password=***");
        try (Connection probe = DriverManager.getConnection(url)) {
            System.out.println("MariaDbFenceIT runs on " + probe.getMetaData().getDatabaseProductName() + " "
                    + probe.getMetaData().getDatabaseProductVersion() + " at " + shown);
            dataSource = new MariaDbDataSource(url);
        } catch (SQLException e) {
            missing = "no MySQL or MariaDB at " + shown + " (" + e.getMessage()
                    + "); install one (Debian: apt-get install mariadb-server) or name one with FENCELOCK_MYSQL_URL";
        }
    }

    /** Each test asks for it first, so that without a server each reports itself skipped, with the reason. */
    @Override
    DataSource dataSource() {
        Assumptions.assumeTrue(dataSource != null, missing);
        return dataSource;
    }

    @Override
    Dialect dialect() {
        return Dialect.MYSQL;
    }

    @Override
    String sessionIdQuery() {
        return "SELECT CONNECTION_ID()";
    }

    @Override
    String lockWaitQuery() {
        return "SELECT 1 FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'";
    }

    @Override
    String generatedKey() {
        return "BIGINT AUTO_INCREMENT PRIMARY KEY";
    }
}
