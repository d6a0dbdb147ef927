package dev.codermon.auth.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends to the {@code change_log} table, inside the transaction of the write it records, and reads it
 * for {@link RouteFeed}. A row names a changed hostname (kind {@code route}) or says that revocations
 * changed (kind {@code revocation}); readers then read the current state, so a row never carries a value.
 */
final class ChangeLog {

    /** How long rows are kept: a proxy that fell further behind reloads everything. */
    static final Duration KEPT = Duration.ofHours(1);

    private final Database db;

    ChangeLog(Database db) {
        this.db = db;
    }

    /** Records that the route of this hostname may have changed (call inside the writing transaction). */
    void route(String hostname) {
        append(hostname, "route");
    }

    /** Records that revocations changed (call inside the writing transaction). */
    void revocation() {
        append(null, "revocation");
    }

    private void append(String hostname, String kind) {
        db.lockChangeLog();
        db.execute("INSERT INTO change_log (hostname, kind, at) VALUES (?, ?, ?)", ps -> {
            ps.setString(1, hostname);
            ps.setString(2, kind);
            ps.setLong(3, System.currentTimeMillis());
        });
    }

    /** Returns the newest version, or 0 for an empty log. */
    long latest() {
        return db.select("SELECT COALESCE(MAX(version), 0) FROM change_log", ps -> { },
                rs -> rs.next() ? rs.getLong(1) : 0L);
    }

    /** Returns the oldest version kept, or 0 for an empty log. */
    long oldest() {
        return db.select("SELECT COALESCE(MIN(version), 0) FROM change_log", ps -> { },
                rs -> rs.next() ? rs.getLong(1) : 0L);
    }

    /** Returns the hostnames whose routes changed after the version, up to and with {@code upTo}. */
    List<String> hostnamesChanged(long after, long upTo) {
        return db.select("SELECT DISTINCT hostname FROM change_log WHERE version > ? AND version <= ?"
                + " AND kind = 'route'", ps -> {
                    ps.setLong(1, after);
                    ps.setLong(2, upTo);
                }, rs -> {
                    List<String> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                    return out;
                });
    }

    /** Returns whether revocations changed after the version, up to and with {@code upTo}. */
    boolean revocationsChanged(long after, long upTo) {
        return db.select("SELECT 1 FROM change_log WHERE version > ? AND version <= ? AND kind = 'revocation'"
                + " LIMIT 1", ps -> {
                    ps.setLong(1, after);
                    ps.setLong(2, upTo);
                }, java.sql.ResultSet::next);
    }

    /** Deletes rows written before the time, but always keeps the newest (the version readers compare with). */
    void prune(long beforeMillis) {
        db.execute("DELETE FROM change_log WHERE at < ? AND version < (SELECT MAX(version) FROM change_log)",
                ps -> ps.setLong(1, beforeMillis));
    }
}
