package dev.codermon.auth.route;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * Holds one connection to the store's SQLite file (WAL mode) and runs statements on it, one thread at a
 * time (a JDBC connection is not safe to share concurrently); every statement is short, so the lock is
 * held only for microseconds. Failures become {@link RouteStoreException}.
 */
final class SqliteDatabase {

    /** Binds a statement's parameters. */
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Turns a query's rows into its answer. */
    interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();

    private SqliteDatabase(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Opens (creating if needed) the file and brings its schema up to date. */
    static SqliteDatabase open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            config.setBusyTimeout(5_000);
            config.enforceForeignKeys(true);
            Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
            SqliteSchema.migrate(c);
            return new SqliteDatabase(file, c);
        } catch (Exception e) {
            throw new RouteStoreException("cannot open route store " + file + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    /** Runs an update under the lock and returns the number of rows it changed. */
    int execute(String sql, Binder binder) {
        lock.lock();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new RouteStoreException("route store write failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs a query under the lock and turns its rows into the answer. */
    <T> T select(String sql, Binder binder, Rows<T> rows) {
        lock.lock();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                return rows.read(rs);
            }
        } catch (SQLException e) {
            throw new RouteStoreException("route store read failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs the statements atomically; the lock is reentrant, so they may use {@link #execute}. */
    void inTransaction(Runnable statements) {
        lock.lock();
        try {
            connection.setAutoCommit(false);
            try {
                statements.run();
                connection.commit();
            } catch (RuntimeException | SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new RouteStoreException("route store write failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new RouteStoreException("cannot close route store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
