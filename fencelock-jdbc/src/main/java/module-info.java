/**
 * The resource side of fencing for relational databases: {@code dev.fencelock.jdbc.JdbcFence}
 * (a fence table checked in the caller's transaction) and {@code FenceColumn} (a fence column on the
 * protected row). The JDK's {@code java.sql} only: the application brings its JDBC driver.
 */
module dev.fencelock.jdbc {
    requires transitive dev.fencelock.core;
    requires transitive java.sql;

    exports dev.fencelock.jdbc;
}
