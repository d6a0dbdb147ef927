package dev.codermon.auth.route;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Holds one connection to the store's SQLite file (WAL mode) and runs statements on it, one thread at a
 * time (a JDBC connection is not safe to share concurrently); every statement is short, so the lock is
 * held only for microseconds. Processes sharing the file are arbitrated by SQLite's own file locking.
 */
final class SqliteDatabase extends Database {

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
            SQLiteDataSource source = new SQLiteDataSource(config);
            source.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
            StoreMigrations.migrateSqlite(file.toAbsolutePath(), source);
            return new SqliteDatabase(file, source.getConnection());
        } catch (RouteStoreException e) {
            throw e;
        } catch (Exception e) {
            throw new RouteStoreException("cannot open route store " + file + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    @Override
    Connection acquire() {
        lock.lock();
        return connection;
    }

    @Override
    void release(Connection c) {
        lock.unlock();
    }

    @Override
    String greatest() {
        return "MAX";
    }

    @Override
    boolean isUniqueViolation(SQLException e) {
        if (!(e instanceof SQLiteException se)) {
            return false;
        }
        int code = se.getResultCode().code;
        return code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE.code
                || code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY.code;
    }

    @Override
    void lockChangeLog(Connection c) {
        // SQLite lets one writer at a time into the file: appends are in order already.
    }

    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new RouteStoreException("cannot close route store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "sqlite:" + file;
    }
}
