package dev.fencelock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The PostgreSQL that tests and the demo use where no server is configured or running. */
class PostgresServerIT {

    @Test
    void anEmbeddedPostgresAnswersAndIsGoneAfterClose() throws SQLException {
        String url;
        try (PostgresServer postgres = PostgresServer.startEmbedded()) {
            url = postgres.url();
            assertThat(postgres.isEmbedded()).isTrue();
            assertThat(postgres.description()).contains("embedded PostgreSQL");
            try (Connection connection = postgres.dataSource().getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery("SELECT version()")) {
                assertThat(row.next()).isTrue();
                assertThat(row.getString(1)).startsWith("PostgreSQL");
            }
        }
        assertThatThrownBy(() -> DriverManager.getConnection(url).close())
                .as("a connection to the embedded PostgreSQL after close").isInstanceOf(SQLException.class);
    }

    @Test
    void aConfiguredServerThatDoesNotAnswerIsNeverSilentlyReplaced() {
        String url = "jdbc:postgresql://127.0.0.1:9/test?user=nobody&password=secret";
        System.setProperty(PostgresServer.URL_PROPERTY, url);
        try {
            assertThatThrownBy(PostgresServer::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no PostgreSQL at jdbc:postgresql://127.0.0.1:9/test?user=nobody&password=***")
                    .hasMessageNotContaining("secret");
        } finally {
            System.clearProperty(PostgresServer.URL_PROPERTY);
        }
    }
}
