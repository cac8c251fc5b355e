package dev.fencelock.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.testkit.Poll;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@link JdbcFence} and {@link FenceColumn} promise, against a real database: each dialect's
 * test extends this with its data source and the SQL to tell that a session waits for a row lock.
 *
 * <p>Every test makes tables of its own (a random suffix), so that runs sharing one server do not
 * collide: the fence table, a counter row with a fence column, and a history that the writes append
 * to in the transaction that checks the token — since the check holds the fence row until the
 * transaction ends, the history's order is the order in which the writes committed.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
abstract class FenceContract {
    static final String RESOURCE = "orders:42";
    static final int COUNTER = 1;
    static final Duration WAIT = Duration.ofSeconds(30);
    /**
     * How much longer than its timeout a statement that gives up may take, however busy the machine:
     * far below InnoDB's own lock timeout (50 s), which would end the wait if the timeout were ignored,
     * and PostgreSQL's (none).
     */
    private static final Duration TIMEOUT_SLACK = Duration.ofSeconds(4);

    private final String suffix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    private final String fenceTable = "fence_" + suffix;
    private final String dataTable = "fenced_" + suffix;
    private final String historyTable = "history_" + suffix;
    private final String nullableTable = "nullable_" + suffix;
    final ExecutorService background = Executors.newCachedThreadPool();
    JdbcFence fence;

    /** The database under test. */
    abstract DataSource dataSource();

    /** The dialect the database should be detected as. */
    abstract Dialect dialect();

    /** A query returning the current connection's session id. */
    abstract String sessionIdQuery();

    /**
     * Whether the session {@code session} waits for a lock now, asked on {@code probe}, a connection
     * of its own. {@link #startWaitingCheck} polls it every few milliseconds, so the answer must
     * describe the moment of the call, not a snapshot that the database refreshes when it pleases.
     */
    abstract boolean waitsForALock(Connection probe, long session) throws SQLException;

    /** For {@link #waitsForALock}: whether {@code query}, with {@code session} as its one parameter, returns a row. */
    static boolean returnsARow(Connection probe, String query, long session) throws SQLException {
        try (PreparedStatement select = probe.prepareStatement(query)) {
            select.setLong(1, session);
            try (ResultSet row = select.executeQuery()) {
                return row.next();
            }
        }
    }

    /** How long a fenced statement with {@code timeout} may wait for a row that another transaction holds. */
    Duration longestLockWait(Duration timeout) {
        return timeout;
    }

    /** The column type of an ascending generated key. */
    abstract String generatedKey();

    @BeforeEach
    void createTables() throws SQLException {
        fence = JdbcFence.builder(dataSource()).table(fenceTable).build();
        fence.createTableIfMissing();
        fence.createTableIfMissing();
        execute("CREATE TABLE " + dataTable + " (id INT PRIMARY KEY, amount BIGINT NOT NULL, fence BIGINT NOT NULL DEFAULT 0)",
                "CREATE TABLE " + historyTable + " (seq " + generatedKey() + ", token BIGINT NOT NULL, amount BIGINT NOT NULL)",
                "INSERT INTO " + dataTable + " (id, amount) VALUES (" + COUNTER + ", 0)");
    }

    @AfterEach
    void dropTables() throws SQLException {
        background.shutdownNow();
        execute("DROP TABLE IF EXISTS " + fenceTable, "DROP TABLE IF EXISTS " + dataTable, "DROP TABLE IF EXISTS " + historyTable,
                "DROP TABLE IF EXISTS " + nullableTable);
    }

    @Test
    void theDialectIsDetectedFromTheDatabase() throws SQLException {
        JdbcFence detected = JdbcFence.create(dataSource());

        assertThat(detected.dialect()).isEqualTo(dialect());
        assertThat(detected.table()).isEqualTo(JdbcFence.DEFAULT_TABLE);
    }

    @Test
    void anEqualOrNewerTokenPassesAndIsRecorded() throws SQLException {
        checkAndCommit(5);
        checkAndCommit(5);
        checkAndCommit(7);

        assertThat(recordedToken()).isEqualTo(7);
    }

    @Test
    void anOlderTokenIsRefusedNamingTheResourceTheTokenAndTheNewerOne() throws SQLException {
        checkAndCommit(7);

        try (Connection stale = transaction()) {
            assertThatThrownBy(() -> fence.check(stale, RESOURCE, 5))
                    .isInstanceOfSatisfying(StaleTokenException.class, e -> {
                        assertThat(e.resource()).isEqualTo(RESOURCE);
                        assertThat(e.token()).isEqualTo(5);
                        assertThat(e.newerToken()).isEqualTo(7);
                    })
                    .hasMessageContaining(RESOURCE).hasMessageContaining("token 5 is older than token 7");
        }
        assertThat(recordedToken()).isEqualTo(7);
    }

    @Test
    void aStaleCheckRollsBackTheWholeTransactionEvenIfTheCallerThenCommits() throws SQLException {
        checkAndCommit(9);

        try (Connection stale = transaction()) {
            increment(stale, 3);
            assertThatThrownBy(() -> fence.check(stale, RESOURCE, 3)).isInstanceOf(StaleTokenException.class);
            stale.commit();
        }

        assertThat(counter()).as("the counter the stale transaction incremented before its check").isZero();
        assertThat(history()).as("the history row the stale transaction wrote").isEmpty();
    }

    @Test
    void anOlderTokenWaitsForTheNewerHoldersTransactionAndIsRefusedWhenItCommits() throws Exception {
        checkAndCommit(1);
        try (Connection newer = transaction(); Connection paused = transaction()) {
            fence.check(newer, RESOURCE, 7);
            increment(newer, 7);

            Future<?> pausedHolder = startWaitingCheck(paused, 5, () -> incrementAndCommit(paused, 5));
            newer.commit();

            assertThatThrownBy(() -> pausedHolder.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .hasCauseInstanceOf(StaleTokenException.class);
        }
        assertThat(history()).as("writes in commit order: (token, value)").containsExactly(List.of(7L, 1L));
        assertThat(counter()).isEqualTo(1);
    }

    @Test
    void aHolderThatChecksFirstCommitsBeforeANewerHolderWhoWaitsForIt() throws Exception {
        checkAndCommit(1);
        try (Connection first = transaction(); Connection newer = transaction()) {
            fence.check(first, RESOURCE, 5);
            increment(first, 5);

            Future<?> newerHolder = startWaitingCheck(newer, 7, () -> incrementAndCommit(newer, 7));
            first.commit();
            newerHolder.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertThat(history()).as("writes in commit order: (token, value)").containsExactly(List.of(5L, 1L), List.of(7L, 2L));
    }

    /**
     * Threads take interleaved tokens (a seeded shuffle of 1..N, each thread's share in ascending
     * order) and each transaction checks its token, then increments the counter by
     * read-modify-write. Whatever the interleaving: no accepted write is lost, and the history
     * never shows an older token after a newer one.
     */
    @Test
    void interleavedTokensFromManyThreadsNeverLoseAnUpdateNorGoBackInTime() throws Exception {
        int threads = 8;
        int perThread = 40;
        long seed = ThreadLocalRandom.current().nextLong();
        List<List<Long>> shares = interleavedTokens(threads, perThread, new Random(seed));
        AtomicInteger refused = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (List<Long> share : shares) {
            workers.add(background.submit(() -> {
                try (Connection connection = transaction()) {
                    for (long token : share) {
                        try {
                            fence.check(connection, RESOURCE, token);
                            incrementAndCommit(connection, token);
                        } catch (StaleTokenException e) {
                            refused.incrementAndGet();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);
        }

        List<List<Long>> history = history();
        String context = "seed " + seed + ", " + history.size() + " accepted, " + refused.get() + " refused";
        System.out.println(getClass().getSimpleName() + " interleaved tokens: " + context);
        assertThat(history.size() + refused.get()).as(context).isEqualTo(threads * perThread);
        for (int i = 0; i < history.size(); i++) {
            assertThat(history.get(i).get(1)).as("value of write %d (a lost update if lower); %s", i, context).isEqualTo(i + 1L);
            if (i > 0) {
                assertThat(history.get(i).get(0)).as("token of write %d after token %d; %s", i, history.get(i - 1).get(0), context)
                        .isGreaterThan(history.get(i - 1).get(0));
            }
        }
        assertThat(counter()).as(context).isEqualTo(history.size());
        assertThat(recordedToken()).as(context).isEqualTo(history.get(history.size() - 1).get(0));
    }

    private static List<List<Long>> interleavedTokens(int threads, int perThread, Random random) {
        List<Long> tokens = new ArrayList<>();
        for (long token = 1; token <= (long) threads * perThread; token++) {
            tokens.add(token);
        }
        Collections.shuffle(tokens, random);
        List<List<Long>> shares = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            List<Long> share = new ArrayList<>(tokens.subList(i * perThread, (i + 1) * perThread));
            Collections.sort(share);
            shares.add(share);
        }
        return shares;
    }

    @Test
    void aCheckGivesUpWhenTheRowStaysLockedLongerThanItsTimeout() throws SQLException {
        JdbcFence impatient = JdbcFence.builder(dataSource()).table(fenceTable).timeout(Duration.ofSeconds(1)).build();
        checkAndCommit(6);
        try (Connection holder = transaction(); Connection waiter = transaction()) {
            fence.check(holder, RESOURCE, 7);

            assertGivesUpWithin(Duration.ofSeconds(1), () -> impatient.check(waiter, RESOURCE, 8));
            holder.rollback();
            waiter.rollback();
        }
    }

    @Test
    void manyInstancesStartingAtOnceCreateTheTableWithoutError() throws Exception {
        for (int round = 0; round < 5; round++) {
            JdbcFence starting = JdbcFence.builder(dataSource()).table(fenceTable + "_" + round).build();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> creations = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                creations.add(background.submit(() -> {
                    start.await();
                    starting.createTableIfMissing();
                    return null;
                }));
            }
            start.countDown();
            try {
                for (Future<?> creation : creations) {
                    creation.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
                assertThat(single("SELECT COUNT(*) FROM " + starting.table())).as("rows of the table created").isZero();
            } finally {
                execute("DROP TABLE IF EXISTS " + starting.table());
            }
        }
    }

    @Test
    void aConnectionInAutoCommitModeIsRefused() throws SQLException {
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(true);

            assertThatThrownBy(() -> fence.check(connection, RESOURCE, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("setAutoCommit(false)");
        }
    }

    @Test
    void badResourcesAndTokensAreRefusedNamingTheArgument() throws SQLException {
        try (Connection connection = transaction()) {
            assertThatThrownBy(() -> fence.check(connection, "", 1)).hasMessageContaining("resource must have 1 to 255 characters");
            assertThatThrownBy(() -> fence.check(connection, "x".repeat(256), 1)).hasMessageContaining("resource");
            assertThatThrownBy(() -> fence.check(connection, "a\uD800b", 1)).hasMessageContaining("resource must be well-formed UTF-16");
            assertThatThrownBy(() -> fence.check(connection, RESOURCE, -1)).hasMessageContaining("token must be between 0 and");
            connection.rollback();
        }
    }

    @Test
    void aResourceWithANulCharacterIsRefusedBeforeTheDatabaseAndTheTransactionGoesOn() throws SQLException {
        try (Connection connection = transaction()) {
            assertThatThrownBy(() -> fence.check(connection, "a\u0000b", 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("resource must not contain the character U+0000, which PostgreSQL cannot store in text,"
                            + " but has it at index 1");

            fence.check(connection, RESOURCE, 1);
            connection.commit();
        }
        assertThat(recordedToken()).as("the token the transaction recorded after the refusal").isEqualTo(1);
    }

    @Test
    void resourcesThatDifferOnlyInCaseOrTrailingSpaceHaveFencesOfTheirOwn() throws SQLException {
        try (Connection connection = transaction()) {
            fence.check(connection, "Orders", 9);
            fence.check(connection, "orders", 5);
            fence.check(connection, "orders ", 3);
            connection.commit();
        }
        assertThat(single("SELECT COUNT(*) FROM " + fenceTable)).as("fence rows").isEqualTo(3);
    }

    @Test
    void aFenceColumnUpdateWritesWithAnEqualOrNewerTokenAndRefusesAnOlderOne() throws SQLException {
        FenceColumn column = fenceColumn();
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(true);
            column.update(connection, COUNTER, 5, "amount = ?", 10);
            column.update(connection, COUNTER, 5, "amount = ?", 11);

            assertThatThrownBy(() -> column.update(connection, COUNTER, 4, "amount = ?", 12))
                    .isInstanceOfSatisfying(StaleTokenException.class, e -> {
                        assertThat(e.resource()).isEqualTo(dataTable + " where id = " + COUNTER);
                        assertThat(e.token()).isEqualTo(4);
                        assertThat(e.newerToken()).isEqualTo(5);
                    });
        }
        assertThat(counter()).isEqualTo(11);
    }

    @Test
    void aRefusedFenceColumnUpdateRollsBackItsTransaction() throws SQLException {
        FenceColumn column = fenceColumn();
        try (Connection connection = transaction()) {
            column.update(connection, COUNTER, 5, "amount = ?", 10);
            connection.commit();
            appendHistory(connection, 4, 11);

            assertThatThrownBy(() -> column.update(connection, COUNTER, 4, "amount = ?", 11)).isInstanceOf(StaleTokenException.class);
            connection.commit();
        }
        assertThat(history()).as("the history row written before the refused update").isEmpty();
    }

    @Test
    void aRefusedFenceColumnUpdateNamesTheNewestTokenThoughItsTransactionReadTheRowBefore() throws SQLException {
        try (Connection stale = transaction()) {
            assertThat(amount(stale)).as("the row as the stale holder's transaction first reads it").isZero();
            try (Connection newer = dataSource().getConnection()) {
                newer.setAutoCommit(true);
                fenceColumn().update(newer, COUNTER, 7, "amount = ?", 10);
            }

            assertThatThrownBy(() -> fenceColumn().update(stale, COUNTER, 6, "amount = ?", 11))
                    .isInstanceOfSatisfying(StaleTokenException.class, e -> assertThat(e.newerToken()).isEqualTo(7));
        }
        assertThat(counter()).isEqualTo(10);
    }

    @Test
    void aFenceColumnUpdateGivesUpWhenTheRowStaysLockedLongerThanItsTimeout() throws SQLException {
        FenceColumn impatient = fenceColumn().withTimeout(Duration.ofSeconds(1));
        try (Connection holder = transaction(); Connection waiter = dataSource().getConnection()) {
            fenceColumn().update(holder, COUNTER, 7, "amount = ?", 10);

            assertGivesUpWithin(Duration.ofSeconds(1), () -> impatient.update(waiter, COUNTER, 8, "amount = ?", 11));
            holder.rollback();
        }
    }

    @Test
    void aFenceColumnUpdateOfARowWhoseFenceIsNullThrowsRatherThanReportAWriteThatNeverHappened() throws SQLException {
        execute("CREATE TABLE " + nullableTable + " (id INT PRIMARY KEY, amount BIGINT NOT NULL, fence BIGINT)",
                "INSERT INTO " + nullableTable + " (id, amount) VALUES (" + COUNTER + ", 0)");
        FenceColumn column = FenceColumn.of(nullableTable, "id", "fence");
        try (Connection connection = dataSource().getConnection()) {
            connection.setAutoCommit(true);

            assertThatThrownBy(() -> column.update(connection, COUNTER, 5, "amount = ?", 10))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("the fenced update of " + nullableTable + " where id = " + COUNTER + " wrote nothing: its fence is NULL");
        }
        assertThat(single("SELECT amount FROM " + nullableTable)).as("the amount the update did not write").isZero();
    }

    @Test
    void aFenceColumnUpdateOfAMissingRowNamesTheId() throws SQLException {
        FenceColumn column = fenceColumn();
        try (Connection connection = transaction()) {
            assertThatThrownBy(() -> column.update(connection, 99, 5, "amount = ?", 10))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no row in " + dataTable + " where id = 99");
            connection.rollback();
        }
    }

    /**
     * Runs {@code statement}, which waits for a row that another transaction holds, and checks that it
     * gave up with the driver's {@code SQLException} within its {@code timeout} (or the database's own
     * bound, {@link #longestLockWait}) and {@link #TIMEOUT_SLACK}.
     */
    private void assertGivesUpWithin(Duration timeout, ThrowingCallable statement) {
        long start = System.nanoTime();
        assertThatThrownBy(statement).isInstanceOf(SQLException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("how long the statement waited")
                .isLessThan(longestLockWait(timeout).plus(TIMEOUT_SLACK));
    }

    /** The fence column of the counter's table. */
    FenceColumn fenceColumn() {
        return FenceColumn.of(dataTable, "id", "fence");
    }

    void checkAndCommit(long token) throws SQLException {
        try (Connection connection = transaction()) {
            fence.check(connection, RESOURCE, token);
            connection.commit();
        }
    }

    Connection transaction() throws SQLException {
        Connection connection = dataSource().getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    /** Work on a connection after its check. */
    interface AfterCheck {
        void run() throws SQLException;
    }

    /**
     * Checks {@code token} on {@code connection} on another thread, then runs {@code afterCheck} there;
     * returns once the check waits for the fence row that another transaction holds.
     */
    Future<?> startWaitingCheck(Connection connection, long token, AfterCheck afterCheck) throws Exception {
        long session = sessionId(connection);
        Future<?> check = background.submit(() -> {
            fence.check(connection, RESOURCE, token);
            afterCheck.run();
            return null;
        });
        Poll.until("the check of token " + token + " waits for the fence row", WAIT,
                () -> check.isDone() || isWaitingForALock(session));
        if (check.isDone()) {
            // It did not wait: say why, rather than time out.
            check.get();
            throw new AssertionError("the check of token " + token + " did not wait for the fence row that another"
                    + " transaction holds");
        }
        return check;
    }

    private void incrementAndCommit(Connection connection, long token) throws SQLException {
        increment(connection, token);
        connection.commit();
    }

    /** The read-modify-write that a lock must protect, and the history row of the write. */
    private void increment(Connection connection, long token) throws SQLException {
        long value = amount(connection) + 1;
        try (PreparedStatement write = connection.prepareStatement("UPDATE " + dataTable + " SET amount = ? WHERE id = " + COUNTER)) {
            write.setLong(1, value);
            write.executeUpdate();
        }
        appendHistory(connection, token, value);
    }

    private void appendHistory(Connection connection, long token, long value) throws SQLException {
        try (PreparedStatement append = connection.prepareStatement("INSERT INTO " + historyTable + " (token, amount) VALUES (?, ?)")) {
            append.setLong(1, token);
            append.setLong(2, value);
            append.executeUpdate();
        }
    }

    private List<List<Long>> history() throws SQLException {
        List<List<Long>> rows = new ArrayList<>();
        try (Connection connection = dataSource().getConnection(); Statement select = connection.createStatement();
                ResultSet row = select.executeQuery("SELECT token, amount FROM " + historyTable + " ORDER BY seq")) {
            while (row.next()) {
                rows.add(List.of(row.getLong(1), row.getLong(2)));
            }
        }
        return rows;
    }

    private long amount(Connection connection) throws SQLException {
        try (Statement select = connection.createStatement();
                ResultSet row = select.executeQuery("SELECT amount FROM " + dataTable + " WHERE id = " + COUNTER)) {
            row.next();
            return row.getLong(1);
        }
    }

    private long counter() throws SQLException {
        return single("SELECT amount FROM " + dataTable + " WHERE id = " + COUNTER);
    }

    private long recordedToken() throws SQLException {
        return single("SELECT token FROM " + fenceTable);
    }

    private long single(String query) throws SQLException {
        try (Connection connection = dataSource().getConnection(); Statement select = connection.createStatement();
                ResultSet row = select.executeQuery(query)) {
            assertThat(row.next()).as("a row from " + query).isTrue();
            long value = row.getLong(1);
            assertThat(row.next()).as("a single row from " + query).isFalse();
            return value;
        }
    }

    private long sessionId(Connection connection) throws SQLException {
        try (Statement select = connection.createStatement(); ResultSet row = select.executeQuery(sessionIdQuery())) {
            row.next();
            return row.getLong(1);
        }
    }

    private boolean isWaitingForALock(long session) {
        try (Connection probe = dataSource().getConnection()) {
            return waitsForALock(probe, session);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot ask whether session " + session + " waits: " + e.getMessage(), e);
        }
    }

    void execute(String... statements) throws SQLException {
        try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
