package dev.fencelock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad input fails where it is given, naming the argument and what is allowed; no database needed. */
class ArgumentsTest {

    @Test
    void tableNamesMustBeUnquotedIdentifiersOptionallySchemaQualified() {
        assertThat(Sql.requireIdentifier("fencelock_fence", "table")).isEqualTo("fencelock_fence");
        assertThat(Sql.requireIdentifier("locks.Fence_2", "table")).isEqualTo("locks.Fence_2");
        assertThat(Sql.requireIdentifier("a".repeat(63), "table")).hasSize(63);
        for (String bad : new String[] {"", "1fence", "fence; DROP TABLE orders", "a.b.c", "a.", "\"fence\"", "a".repeat(64), "fence-1"}) {
            assertThatThrownBy(() -> Sql.requireIdentifier(bad, "table"))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("table must be an unquoted SQL identifier").hasMessageContaining("'" + bad + "'");
        }
        assertThatThrownBy(() -> Sql.requireIdentifier(null, "table")).isInstanceOf(NullPointerException.class).hasMessage("table");
    }

    @Test
    void fenceColumnsAreColumnNamesAndTheTableAnIdentifier() {
        assertThatThrownBy(() -> FenceColumn.of("orders", "id", "o.fence")).hasMessageContaining("fenceColumn must be a column name");
        assertThatThrownBy(() -> FenceColumn.of("orders", "id;", "fence")).hasMessageStartingWith("idColumn must be");
        assertThatThrownBy(() -> FenceColumn.of("or ders", "id", "fence")).hasMessageStartingWith("table must be");
        assertThatThrownBy(() -> FenceColumn.of("orders", "id", "fence").updateSql(" ")).hasMessageStartingWith("assignments must name");
    }

    @Test
    void theFenceColumnStatementChecksTheTokenInTheWriteItself() {
        assertThat(FenceColumn.of("shop.orders", "id", "fence").updateSql("status = ?, total = ?"))
                .isEqualTo("UPDATE shop.orders SET status = ?, total = ?, fence = ? WHERE id = ? AND fence <= ?");
    }

    @Test
    void tokensMustNotBeNegative() {
        assertThat(Sql.requireToken(0)).isZero();
        assertThatThrownBy(() -> Sql.requireToken(-1)).hasMessage("token must be between 0 and 9223372036854775807, was -1");
    }

    @Test
    void theTimeoutIsBetweenOneSecondAndAnHour() {
        JdbcFence.Builder builder = JdbcFence.builder(new org.h2.jdbcx.JdbcDataSource());
        assertThatThrownBy(() -> builder.timeout(Duration.ofMillis(999))).hasMessage("timeout must be between PT1S and PT1H, was PT0.999S");
        assertThatThrownBy(() -> builder.timeout(Duration.ofHours(2))).hasMessageStartingWith("timeout must be between");
        assertThatThrownBy(() -> JdbcFence.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("dataSource");
        FenceColumn column = FenceColumn.of("orders", "id", "fence");
        assertThatThrownBy(() -> column.withTimeout(Duration.ofMillis(999))).hasMessage("timeout must be between PT1S and PT1H, was PT0.999S");
        assertThatThrownBy(() -> column.withTimeout(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void eachSupportedProductHasItsDialect() {
        assertThat(Dialect.forProduct("PostgreSQL")).isEqualTo(Dialect.POSTGRESQL);
        assertThat(Dialect.forProduct("MySQL")).isEqualTo(Dialect.MYSQL);
        assertThat(Dialect.forProduct("MariaDB")).isEqualTo(Dialect.MYSQL);
        assertThat(Dialect.forProduct("H2")).isEqualTo(Dialect.H2);
    }

    @Test
    void anotherProductIsRefusedNamingItAndHowToAddIt() {
        assertThatThrownBy(() -> Dialect.forProduct("Microsoft SQL Server"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Microsoft SQL Server'")
                .hasMessageContaining("PostgreSQL, MySQL, MariaDB and H2")
                .hasMessageContaining(".dialect(Dialect.")
                .hasMessageContaining("'Adding a dialect'")
                .hasMessageContaining("FenceColumn");
    }
}
