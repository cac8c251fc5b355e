package dev.fencelock.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;

/**
 * Fencing on the protected row itself, for those who would rather not keep a fence table: the row
 * carries a fence column ({@code ALTER TABLE orders ADD COLUMN fence BIGINT NOT NULL DEFAULT 0}),
 * and every write is the one statement
 * {@code UPDATE orders SET …, fence = ? WHERE id = ? AND fence <= ?}: it writes, and raises the
 * fence, only when the writer's token is not older than the last writer's. When it updates no row,
 * {@link #update} reads the fence under a row lock ({@code SELECT … FOR UPDATE}): if it holds a
 * newer token, it rolls the transaction back and throws {@link StaleTokenException}; if it holds the
 * same token, the row was found and left as it was (a driver that counts only changed rows, such as
 * MySQL's with {@code useAffectedRows}, reports an update that changed nothing as none); if it holds
 * an older token or {@code NULL}, nothing was written although the token allowed it, and
 * {@link #update} throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * FenceColumn orders = FenceColumn.of("orders", "id", "fence");
 * orders.update(connection, 42, lease.fencingToken(), "status = ?, total = ?", "shipped", total);
 * }</pre>
 *
 * <p>The check and the write are one statement, so any database with {@code SELECT … FOR UPDATE}
 * runs it (PostgreSQL, MySQL, MariaDB, H2, Oracle, Db2), in auto-commit mode too; but it fences only
 * that statement: a holder that read the row earlier must not write what it computed from that read
 * elsewhere unfenced. Each statement waits at most the {@linkplain #withTimeout timeout} (default
 * 10 s) for a row that another transaction holds. Immutable and thread-safe.
 */
public final class FenceColumn {
    private final String table;
    private final String idColumn;
    private final String fenceColumn;
    private final int timeoutSeconds;

    private FenceColumn(String table, String idColumn, String fenceColumn, int timeoutSeconds) {
        this.table = table;
        this.idColumn = idColumn;
        this.fenceColumn = fenceColumn;
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * The fence column {@code fenceColumn} of the rows of {@code table} keyed by {@code idColumn};
     * each an unquoted SQL identifier (the table optionally schema-qualified).
     *
     * @throws IllegalArgumentException naming the argument that is not an identifier
     */
    public static FenceColumn of(String table, String idColumn, String fenceColumn) {
        return new FenceColumn(Sql.requireIdentifier(table, "table"), requireColumn(idColumn, "idColumn"),
                requireColumn(fenceColumn, "fenceColumn"), Sql.timeoutSeconds(Sql.DEFAULT_TIMEOUT));
    }

    /**
     * This fence column with another timeout: how long each statement of an {@link #update} may
     * wait for the row while another transaction holds it (a holder paused inside its transaction
     * holds it until the database ends that transaction); 1 s to 1 h, rounded up to whole seconds;
     * default 10 s. Past it the update throws the driver's {@code SQLException}.
     */
    public FenceColumn withTimeout(Duration timeout) {
        return new FenceColumn(table, idColumn, fenceColumn, Sql.timeoutSeconds(timeout));
    }

    private static String requireColumn(String column, String name) {
        if (Sql.requireIdentifier(column, name).contains(".")) {
            throw new IllegalArgumentException(name + " must be a column name without a table or schema, was '" + column + "'");
        }
        return column;
    }

    /**
     * The fenced update with the caller's assignments:
     * {@code UPDATE table SET <assignments>, fence = ? WHERE id = ? AND fence <= ?}. Its last three
     * parameters are the token, the row's id and the token again.
     *
     * @param assignments the {@code SET} list without the fence, such as {@code status = ?, total = ?}:
     *     SQL, put into the statement as it is, so never built from input; values go in as parameters
     */
    public String updateSql(String assignments) {
        requireAssignments(assignments);
        return "UPDATE " + table + " SET " + assignments + ", " + fenceColumn + " = ? WHERE "
                + idColumn + " = ? AND " + fenceColumn + " <= ?";
    }

    /**
     * Runs the {@linkplain #updateSql fenced update} of the row {@code id} with {@code values} bound
     * to the assignments' parameters in order.
     *
     * @param assignments as for {@link #updateSql}: SQL, never built from input
     * @throws StaleTokenException if the row's fence holds a newer token; the transaction (if the
     *     connection is in one) has been rolled back
     * @throws IllegalArgumentException if there is no row {@code id}, or an argument is out of range
     * @throws IllegalStateException if the update wrote nothing although the token is not older than
     *     the row's fence: the fence is {@code NULL} (a nullable fence column), or a trigger or a
     *     row-level security policy skipped the row; the message names the row and the column, and
     *     the transaction is left to the caller
     * @throws SQLException if the database failed, or the row stayed locked by another transaction
     *     for longer than the timeout ({@link #withTimeout})
     */
    public void update(Connection connection, Object id, long token, String assignments, Object... values) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(values, "values");
        Sql.requireToken(token);
        try (PreparedStatement update = connection.prepareStatement(updateSql(assignments))) {
            update.setQueryTimeout(timeoutSeconds);
            int index = 1;
            for (Object value : values) {
                update.setObject(index++, value);
            }
            update.setLong(index++, token);
            update.setObject(index++, id);
            update.setLong(index, token);
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        String row = table + " where " + idColumn + " = " + id;
        Long stored = storedFence(connection, id);
        if (stored != null && stored > token) {
            throw Sql.rejected(connection, row, token, stored);
        }
        if (stored == null || stored < token) {
            // The WHERE clause let this token write, or could not compare a NULL: something else kept
            // the row from being written, and returning would report a write that never happened.
            throw new IllegalStateException("the fenced update of " + row + " wrote nothing: its " + fenceColumn + " is "
                    + (stored == null ? "NULL, which no token passes (declare the column NOT NULL DEFAULT 0)"
                            : stored + ", older than token " + token + ", so a trigger or a row-level security policy"
                                    + " skipped the row"));
        }
    }

    /**
     * The fence as the last committed write left it, or null where it is {@code NULL}: a locking
     * read, since a plain one at {@code REPEATABLE READ} returns the transaction's snapshot, which
     * may predate that write.
     */
    private Long storedFence(Connection connection, Object id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + fenceColumn + " FROM " + table + " WHERE " + idColumn + " = ? FOR UPDATE")) {
            select.setQueryTimeout(timeoutSeconds);
            select.setObject(1, id);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IllegalArgumentException("id: no row in " + table + " where " + idColumn + " = " + id);
                }
                long fence = row.getLong(1);
                return row.wasNull() ? null : fence;
            }
        }
    }

    private static void requireAssignments(String assignments) {
        Objects.requireNonNull(assignments, "assignments");
        if (assignments.isBlank()) {
            throw new IllegalArgumentException("assignments must name at least one column, such as \"status = ?\", was blank");
        }
    }

    @Override
    public String toString() {
        return "FenceColumn[" + table + "." + fenceColumn + " by " + idColumn + "]";
    }
}
