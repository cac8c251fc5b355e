package dev.fencelock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysql.cj.jdbc.MysqlDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mariadb.jdbc.MariaDbDataSource;

/**
 * The fence contract on MariaDB or MySQL: the server at {@code -Dfencelock.mysql.url} or
 * {@code $FENCELOCK_MYSQL_URL}, else at 127.0.0.1:3306 (user root without a password, database
 * {@code test}). Without one, every test reports itself skipped with the reason.
 */
class MariaDbFenceIT extends FenceContract {
    private static final String DEFAULT_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=2000";
    /** Where the transactions of {@code SHOW ENGINE INNODB STATUS} begin, one block each. */
    private static final String TRANSACTION = "\n---TRANSACTION ";
    /** The line of a transaction's block, above its session's line, that says it waits for a lock. */
    private static final Pattern LOCK_WAIT = Pattern.compile("(?m)^LOCK WAIT ");
    private static MariaDbDataSource dataSource;
    private static String url;
    private static String missing;

    @BeforeAll
    static void findServer() throws SQLException {
        url = Optional.ofNullable(System.getProperty("fencelock.mysql.url"))
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

    /**
     * Reads {@code SHOW ENGINE INNODB STATUS}, which InnoDB writes afresh for every call, rather than
     * {@code information_schema.innodb_trx}: InnoDB refills that table from the lock system only when
     * no one has read it for 0.1 s, so a poll that reads it every few milliseconds keeps seeing its
     * first snapshot. Whenever that snapshot was taken before the check began to wait, the poll never
     * saw the wait, the first holder never committed, and the check timed out.
     *
     * <p>A transaction's block reads {@code ---TRANSACTION 33, ACTIVE 1 sec inserting}, then while it
     * waits a line {@code LOCK WAIT 2 lock struct(s), …}, then {@code MariaDB thread id 17, …}
     * ({@code MySQL thread id} on MySQL), then its statement.
     */
    @Override
    boolean waitsForALock(Connection probe, long session) throws SQLException {
        String status;
        try (Statement show = probe.createStatement(); ResultSet row = show.executeQuery("SHOW ENGINE INNODB STATUS")) {
            row.next();
            status = row.getString("Status");
        }
        Pattern sessionLine = Pattern.compile("(?m)^\\w+ thread id " + session + ",");
        String[] blocks = status.split(TRANSACTION);
        // The first block is what precedes the list of transactions, such as the latest deadlock.
        for (int i = 1; i < blocks.length; i++) {
            Matcher line = sessionLine.matcher(blocks[i]);
            if (line.find()) {
                return LOCK_WAIT.matcher(blocks[i].substring(0, line.start())).find();
            }
        }
        return false;
    }

    /**
     * MySQL's own client encodes a string parameter in the connection's character set (MariaDB's
     * always in UTF-8): a client connected in Latin-1 must still find the fence that a UTF-8 client
     * recorded for a name with a letter outside ASCII, and be refused an older token.
     */
    @Test
    void clientsConnectedInAnotherCharacterSetShareTheFence() throws SQLException {
        MysqlDataSource latin1 = new MysqlDataSource();
        latin1.setURL(withParameter("characterEncoding=ISO-8859-1").replaceFirst("^jdbc:mariadb:", "jdbc:mysql:"));
        JdbcFence latin1Fence = JdbcFence.builder(latin1).table(fence.table()).dialect(Dialect.MYSQL).build();
        String resource = "café:42";
        try (Connection connection = transaction()) {
            fence.check(connection, resource, 5);
            connection.commit();
        }
        try (Connection connection = latin1.getConnection()) {
            connection.setAutoCommit(false);
            assertThatThrownBy(() -> latin1Fence.check(connection, resource, 4))
                    .isInstanceOfSatisfying(StaleTokenException.class, e -> assertThat(e.newerToken()).isEqualTo(5));
        }
    }

    /**
     * With {@code useAffectedRows}, an update that finds its row but changes nothing reports no row:
     * an equal token writing the values again is not a stale one.
     */
    @Test
    void anUpdateThatChangesNothingIsNotTakenForAStaleOne() throws SQLException {
        MariaDbDataSource changedRowsOnly = new MariaDbDataSource(withParameter("useAffectedRows=true"));
        try (Connection connection = changedRowsOnly.getConnection()) {
            fenceColumn().update(connection, COUNTER, 5, "amount = ?", 10);
            fenceColumn().update(connection, COUNTER, 5, "amount = ?", 10);

            assertThatThrownBy(() -> fenceColumn().update(connection, COUNTER, 4, "amount = ?", 10))
                    .isInstanceOf(StaleTokenException.class);
        }
    }

    private static String withParameter(String parameter) {
        return url + (url.contains("?") ? "&" : "?") + parameter;
    }

    @Override
    String generatedKey() {
        return "BIGINT AUTO_INCREMENT PRIMARY KEY";
    }
}
