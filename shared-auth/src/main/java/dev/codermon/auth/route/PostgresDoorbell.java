package dev.codermon.auth.route;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Listens on channel {@value #CHANNEL} on a connection of its own (not the pool's: a listener must keep its
 * session). When the connection breaks, {@link #await} throws; the next call reconnects, listens again and
 * answers {@link Ring#RECONNECTED}, since notifications sent meanwhile are lost.
 */
final class PostgresDoorbell implements ChangeDoorbell {

    static final String CHANNEL = "codermon_changes";

    /** How often a quiet doorbell asks the server whether its connection still works (a cut network is silent). */
    static final long CHECK_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    /** The longest single wait on the driver: how late a {@link #wake} may be noticed. */
    static final int SLICE_MILLIS = 20;

    private final PostgresDatabase db;
    private volatile boolean woken;
    private Connection connection;
    private long checkedAt = System.nanoTime();

    PostgresDoorbell(PostgresDatabase db) {
        this.db = db;
        try {
            connection = listen();
        } catch (SQLException e) {
            // The first await reconnects (and says RECONNECTED, so the reader reloads).
            connection = null;
        }
    }

    private Connection listen() throws SQLException {
        Connection c = db.dedicatedConnection();
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public Ring await(Duration timeout) {
        if (connection == null) {
            try {
                connection = listen();
                checkedAt = System.nanoTime();
                return Ring.RECONNECTED;
            } catch (SQLException e) {
                throw new RouteStoreException("change doorbell cannot listen: " + PostgresErrors.describe(db.settings(), e), e);
            }
        }
        try {
            // In slices, so that a wake ends the wait within one (the driver's wait cannot be interrupted).
            long end = System.nanoTime() + timeout.toNanos();
            while (true) {
                if (woken) {
                    woken = false;
                    return Ring.QUIET;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                int millis = (int) Math.max(1, Math.min(SLICE_MILLIS, left));
                PGNotification[] rings = connection.unwrap(PGConnection.class).getNotifications(millis);
                if (rings != null && rings.length > 0) {
                    return Ring.RANG;
                }
                if (left <= SLICE_MILLIS) {
                    break;
                }
            }
            if (System.nanoTime() - checkedAt > CHECK_NANOS) {
                checkedAt = System.nanoTime();
                if (!connection.isValid(2)) {
                    throw new SQLException("the listening connection does not answer", "08006");
                }
            }
            return Ring.QUIET;
        } catch (SQLException e) {
            closeQuietly();
            throw new RouteStoreException("change doorbell lost its connection: "
                    + PostgresErrors.describe(db.settings(), e), e);
        }
    }

    @Override
    public void wake() {
        woken = true;
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Broken already.
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
