package dev.codermon.auth.route;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Runs the store on PostgreSQL through a small HikariCP pool. Connecting gives up after a few seconds, so a
 * store that is down fails fast (callers keep what they hold and retry); once it is back, the pool replaces
 * its broken connections by itself. Connections of their own (the doorbell's, the leader's) come from
 * {@link #dedicatedConnection}.
 */
final class PostgresDatabase extends Database {

    /** The advisory lock (one bigint key) that orders appends to the change log. */
    private static final long CHANGE_LOG_LOCK = 0x636f_6465_726d_6f6eL;

    /** The application_name of the store's connections. */
    static final String APPLICATION_NAME = "codermon";
    /** The application_name of a connection of {@link #ownConnection()}. */
    static final String READER_NAME = "codermon route reader";

    private final StoreSettings settings;
    /** The pool; null for a database of {@link #ownConnection()}, which uses {@link #own}. */
    private final HikariDataSource pool;
    /** The one connection of a database of {@link #ownConnection()} (used by one thread at a time). */
    private Connection own;

    private PostgresDatabase(StoreSettings settings, HikariDataSource pool) {
        this.settings = settings;
        this.pool = pool;
    }

    /** Connects, checks the credentials and brings the schema up to date. */
    static PostgresDatabase open(StoreSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("codermon-store");
        config.setJdbcUrl(settings.url());
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        config.setDataSourceProperties(driverProperties(false));
        config.setMaximumPoolSize(6);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(3_000);
        config.setValidationTimeout(1_000);
        config.setInitializationFailTimeout(1);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            throw new RouteStoreException(PostgresErrors.describe(settings, e.getCause()), e.getCause());
        }
        try {
            StoreMigrations.migratePostgres(settings, pool);
            return new PostgresDatabase(settings, pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Returns the driver's settings: short connect and socket timeouts, keepalive (none for listeners). */
    private static Properties driverProperties(boolean listening) {
        Properties p = new Properties();
        p.setProperty("connectTimeout", "3");
        p.setProperty("loginTimeout", "5");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", APPLICATION_NAME);
        if (!listening) {
            // A statement never waits longer than this on a server that stopped answering.
            p.setProperty("socketTimeout", "10");
        }
        return p;
    }

    /** Opens a connection outside the pool, for a listener or a lock holder that keeps it. */
    Connection dedicatedConnection() throws SQLException {
        return dedicatedConnection(true, APPLICATION_NAME);
    }

    /**
     * Opens a connection outside the pool.
     *
     * @param listening whether it waits for notifications (then no socket timeout: its reads may be idle)
     * @param name      its application_name, as pg_stat_activity shows it
     */
    Connection dedicatedConnection(boolean listening, String name) throws SQLException {
        Properties p = driverProperties(listening);
        p.setProperty("ApplicationName", name);
        p.setProperty("user", settings.user());
        if (settings.password() != null) {
            p.setProperty("password", settings.password());
        }
        return DriverManager.getConnection(settings.url(), p);
    }

    StoreSettings settings() {
        return settings;
    }

    /**
     * Returns a database for one thread at a time that runs every statement on one connection of its own,
     * outside the pool, opened when first needed and again after it broke: its user neither waits for the
     * pool nor for the pool's connection adder, which backs off up to 5 s between attempts while the
     * server is down. The caller closes it.
     */
    PostgresDatabase ownConnection() {
        return new PostgresDatabase(settings, null);
    }

    @Override
    Connection acquire() throws SQLException {
        if (pool != null) {
            return pool.getConnection();
        }
        if (own != null && own.isClosed()) {
            own = null;
        }
        if (own == null) {
            own = dedicatedConnection(false, READER_NAME);
        }
        return own;
    }

    @Override
    void release(Connection c) {
        if (pool == null) {
            return; // kept for the next statement; a broken one is found closed by the next acquire
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // Given back to the pool, which drops it if it broke.
        }
    }

    @Override
    void isolate(Connection c, int level) throws SQLException {
        c.setTransactionIsolation(level);
    }

    @Override
    String skipLocked() {
        return " FOR UPDATE SKIP LOCKED";
    }

    @Override
    String greatest() {
        return "GREATEST";
    }

    @Override
    boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    @Override
    void lockChangeLog(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + CHANGE_LOG_LOCK + ")");
        }
    }

    @Override
    String describe(SQLException e) {
        return PostgresErrors.describe(settings, e);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        } else if (own != null) {
            try {
                own.close();
            } catch (SQLException ignored) {
                // Broken already.
            }
            own = null;
        }
    }

    @Override
    public String toString() {
        return "postgres:" + settings.where();
    }
}
