package dev.codermon.auth.route;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * Runs the store's statements on one backend (SQLite or PostgreSQL) and turns failures into
 * {@link RouteStoreException}. A transaction keeps its connection in a thread-local, so that the statements
 * run inside it (through {@link #execute} and {@link #select}) share it. The few differences in SQL between
 * the backends are the hooks at the end.
 */
abstract class Database implements AutoCloseable {

    /** Binds a statement's parameters. */
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Turns a query's rows into its answer. */
    interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final ThreadLocal<Connection> transaction = new ThreadLocal<>();

    /** Takes a connection for one statement or transaction (SQLite: takes its lock too). */
    abstract Connection acquire() throws SQLException;

    /** Gives back what {@link #acquire} took. */
    abstract void release(Connection c);

    /** Returns the SQL function that picks the greater of two values ({@code MAX} or {@code GREATEST}). */
    abstract String greatest();

    /** Returns whether the failure is a unique or primary key violation. */
    abstract boolean isUniqueViolation(SQLException e);

    /**
     * Serializes the transactions that append to the change log, so that versions commit in their order
     * (a reader that saw version n never misses a smaller one committed later). Runs inside a transaction.
     */
    abstract void lockChangeLog(Connection c) throws SQLException;

    /** Describes a failure for the operator (never with credentials). */
    String describe(SQLException e) {
        return e.getMessage();
    }

    /** Runs an update and returns the number of rows it changed. */
    int execute(String sql, Binder binder) {
        return run("write", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                return ps.executeUpdate();
            }
        });
    }

    /** Runs a query and turns its rows into the answer. */
    <T> T select(String sql, Binder binder, Rows<T> rows) {
        return run("read", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    return rows.read(rs);
                }
            }
        });
    }

    /** Runs the statements atomically; statements inside may use {@link #execute} and {@link #select}. */
    void inTransaction(Runnable statements) {
        inTransaction(Connection.TRANSACTION_READ_COMMITTED, () -> {
            statements.run();
            return null;
        });
    }

    /** Runs the statements atomically and returns their answer. */
    <T> T inTransaction(Supplier<T> statements) {
        return inTransaction(Connection.TRANSACTION_READ_COMMITTED, statements);
    }

    /** Runs reads that must all see one snapshot of the store (REPEATABLE READ on PostgreSQL). */
    <T> T consistently(Supplier<T> reads) {
        return inTransaction(Connection.TRANSACTION_REPEATABLE_READ, reads);
    }

    /** Appends to the change log within the current transaction (see {@link #lockChangeLog}). */
    void lockChangeLog() {
        run("write", c -> {
            lockChangeLog(c);
            return null;
        });
    }

    /**
     * Sets the isolation of the transactions to come on this connection (only ever to another level than the
     * default READ COMMITTED, and back; SQLite's transactions are serializable anyway).
     */
    void isolate(Connection c, int level) throws SQLException {
    }

    private <T> T inTransaction(int isolation, Supplier<T> statements) {
        if (transaction.get() != null) {
            return statements.get();
        }
        Connection c;
        try {
            c = acquire();
        } catch (SQLException e) {
            throw new RouteStoreException("route store write failed: " + describe(e), e);
        }
        transaction.set(c);
        boolean isolated = isolation != Connection.TRANSACTION_READ_COMMITTED;
        try {
            if (isolated) {
                isolate(c, isolation);
            }
            c.setAutoCommit(false);
            try {
                T answer = statements.get();
                c.commit();
                return answer;
            } catch (RuntimeException | SQLException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                restoreQuietly(c, isolated);
            }
        } catch (SQLException e) {
            throw new RouteStoreException("route store write failed: " + describe(e), e);
        } finally {
            transaction.remove();
            release(c);
        }
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T run(String what, Work<T> work) {
        Connection current = transaction.get();
        try {
            if (current != null) {
                return work.run(current);
            }
            Connection c = acquire();
            try {
                return work.run(c);
            } finally {
                release(c);
            }
        } catch (SQLException e) {
            throw new RouteStoreException("route store " + what + " failed: " + describe(e), e);
        }
    }

    private void restoreQuietly(Connection c, boolean isolated) {
        try {
            c.setAutoCommit(true);
            if (isolated) {
                isolate(c, Connection.TRANSACTION_READ_COMMITTED);
            }
        } catch (SQLException ignored) {
            // A broken connection: the pool drops it, and SQLite's next statement reports the fault.
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The connection broke: the transaction is gone with it.
        }
    }

    @Override
    public abstract void close();
}
