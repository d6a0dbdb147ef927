package dev.codermon.auth.route;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Listens on channel {@value #CHANNEL} on a connection of its own (not the pool's: a listener must keep its
 * session). When the connection breaks, {@link #await} throws; the next call reconnects, listens again and
 * answers {@link Ring#RECONNECTED}, since notifications sent meanwhile are lost.
 */
final class PostgresDoorbell implements ChangeDoorbell {

    static final String CHANNEL = "codermon_changes";

    private final PostgresDatabase db;
    private Connection connection;

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
                return Ring.RECONNECTED;
            } catch (SQLException e) {
                throw new RouteStoreException("change doorbell cannot listen: " + PostgresErrors.describe(db.settings(), e), e);
            }
        }
        try {
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            PGNotification[] rings = connection.unwrap(PGConnection.class).getNotifications(millis);
            return rings != null && rings.length > 0 ? Ring.RANG : Ring.QUIET;
        } catch (SQLException e) {
            closeQuietly();
            throw new RouteStoreException("change doorbell lost its connection: "
                    + PostgresErrors.describe(db.settings(), e), e);
        }
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
