package dev.codermon.auth.route;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leads a job while it holds PostgreSQL's session advisory lock for it, on a connection of its own:
 * PostgreSQL releases the lock when that session ends (the holder died or its connection broke), and
 * {@link #leads} checks the connection each time, so a holder that lost it stops leading at once and
 * competes again once it reconnects.
 */
final class AdvisoryLeadership implements Leadership {

    private static final Logger log = LoggerFactory.getLogger(AdvisoryLeadership.class);

    /** The first key of every job's lock (the second is the job's); "cmon" in ASCII. */
    private static final int LOCK_SPACE = 0x636d6f6e;

    private final PostgresDatabase db;
    private final Set<String> held = new HashSet<>();
    private Connection connection;

    AdvisoryLeadership(PostgresDatabase db) {
        this.db = db;
    }

    @Override
    public synchronized boolean leads(String job) {
        try {
            if (connection != null && !connection.isValid(2)) {
                log.warn("leadership connection to {} broke: leading nothing until it is back", db);
                drop();
            }
            if (connection == null) {
                connection = db.dedicatedConnection();
            }
            if (held.contains(job)) {
                return true;
            }
            try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                ps.setInt(1, LOCK_SPACE);
                ps.setInt(2, key(job));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        held.add(job);
                        log.info("leading {} now", job);
                        return true;
                    }
                    return false;
                }
            }
        } catch (SQLException e) {
            drop();
            return false;
        }
    }

    /** Returns the lock key of a job: a hash of its name. */
    static int key(String job) {
        CRC32 crc = new CRC32();
        crc.update(job.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    private void drop() {
        held.clear();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Broken already; its session's locks went with it.
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        if (connection != null && !held.isEmpty()) {
            try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock_all()")) {
                ps.execute();
            } catch (SQLException ignored) {
                // Closing the session releases them anyway.
            }
        }
        drop();
    }
}
