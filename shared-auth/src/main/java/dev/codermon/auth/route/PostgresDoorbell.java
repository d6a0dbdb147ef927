package dev.codermon.auth.route;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on channel {@value #CHANNEL} on a connection of its own (not the pool's: a listener must keep its
 * session), read by a thread of its own ({@link Listener}): the driver's wait for a notification cannot be
 * interrupted, so the reader waits on a {@link DoorbellSignal} instead, which a notification, a broken
 * connection or a {@link #wake} ends at once. When the connection breaks, {@link #await} throws; the next
 * call reconnects, listens again and answers {@link Ring#RECONNECTED}, since notifications sent meanwhile are
 * lost.
 */
final class PostgresDoorbell implements ChangeDoorbell {

    static final String CHANNEL = "codermon_changes";

    /** How often a quiet listener asks the server whether its connection still works (a cut network is silent). */
    static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** The longest single wait on the driver: how late the listener notices that the doorbell was closed. */
    static final int SLICE_MILLIS = 200;

    private static final Logger log = LoggerFactory.getLogger(PostgresDoorbell.class);

    private final PostgresDatabase db;
    private final DoorbellSignal signal = new DoorbellSignal();
    /** The current connection's listener; null before the first connection and after one broke. */
    private Listener listener;

    PostgresDoorbell(PostgresDatabase db) {
        this.db = db;
        try {
            listener = new Listener(listen());
        } catch (SQLException e) {
            // The first await reconnects (and says RECONNECTED, so the reader reloads).
            listener = null;
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
        if (listener == null) {
            try {
                listener = new Listener(listen());
                return Ring.RECONNECTED;
            } catch (SQLException e) {
                throw new RouteStoreException("change doorbell cannot listen: " + PostgresErrors.describe(db.settings(), e), e);
            }
        }
        int raised = signal.await(timeout.toNanos());
        Listener current = listener;
        if ((raised & DoorbellSignal.FAILED) != 0 || current.failure != null) {
            listener = null;
            current.stop();
            SQLException e = current.failure;
            throw new RouteStoreException("change doorbell lost its connection: "
                    + (e == null ? "(unknown)" : PostgresErrors.describe(db.settings(), e)), e);
        }
        return (raised & DoorbellSignal.RANG) != 0 ? Ring.RANG : Ring.QUIET;
    }

    @Override
    public void wake() {
        signal.raise(DoorbellSignal.WOKEN);
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.stop();
            listener = null;
        }
    }

    /**
     * Owns one listening connection: waits on it for notifications on a daemon thread, raises
     * {@link DoorbellSignal#RANG} for each batch, and {@link DoorbellSignal#FAILED} (then closes the connection
     * and ends) when it breaks or stops answering. Only this thread touches the connection.
     */
    private final class Listener implements Runnable {

        private final Connection connection;
        private final Thread thread;
        private volatile boolean stopping;
        /** Why the connection broke; set before FAILED is raised. */
        private volatile SQLException failure;

        Listener(Connection connection) {
            this.connection = connection;
            this.thread = new Thread(this, "route-doorbell");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            long checkedAt = System.nanoTime();
            try {
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (!stopping) {
                    PGNotification[] rings = pg.getNotifications(SLICE_MILLIS);
                    if (rings != null && rings.length > 0) {
                        signal.raise(DoorbellSignal.RANG);
                        checkedAt = System.nanoTime();
                    } else if (System.nanoTime() - checkedAt > CHECK_NANOS && !stopping) {
                        checkedAt = System.nanoTime();
                        if (!connection.isValid(2)) {
                            throw new SQLException("the listening connection does not answer", "08006");
                        }
                    }
                }
            } catch (SQLException e) {
                fail(e);
            } catch (RuntimeException | Error e) {
                // Whatever ended this thread, the reader must learn that nobody listens any more.
                fail(new SQLException("the doorbell's listener failed: " + e, "08006", e));
                throw e;
            } finally {
                try {
                    connection.close();
                } catch (SQLException e) {
                    log.debug("closing the doorbell's connection: {}", e.toString());
                }
            }
        }

        private void fail(SQLException e) {
            if (!stopping) {
                failure = e;
                signal.raise(DoorbellSignal.FAILED);
            }
        }

        /** Ends the thread within one slice; it closes the connection itself. */
        void stop() {
            stopping = true;
        }
    }
}
