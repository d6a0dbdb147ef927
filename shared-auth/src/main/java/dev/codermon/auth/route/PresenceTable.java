package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Map;

/** Keeps the proxies' open counts per workspace in the shared store (they change no route: nothing is logged). */
final class PresenceTable implements PresenceWriter, PresenceReader {

    private final Database db;

    PresenceTable(Database db) {
        this.db = db;
    }

    @Override
    public int publishPresence(String proxyId, Map<String, OpenCounts> changed, Instant at) {
        return db.inTransaction(() -> {
            changed.forEach((workspaceId, counts) -> {
                if (counts.isEmpty()) {
                    db.execute("DELETE FROM workspace_presence WHERE workspace_id = ? AND proxy_id = ?", ps -> {
                        ps.setString(1, workspaceId);
                        ps.setString(2, proxyId);
                    });
                    return;
                }
                db.execute("INSERT INTO workspace_presence (workspace_id, proxy_id, connections, web_sockets, tunnels,"
                        + " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, proxy_id) DO UPDATE SET"
                        + " connections = excluded.connections, web_sockets = excluded.web_sockets,"
                        + " tunnels = excluded.tunnels, updated_at = excluded.updated_at", ps -> {
                            ps.setString(1, workspaceId);
                            ps.setString(2, proxyId);
                            ps.setInt(3, counts.connections());
                            ps.setInt(4, counts.webSockets());
                            ps.setInt(5, counts.tunnels());
                            ps.setLong(6, at.toEpochMilli());
                        });
            });
            return db.execute("UPDATE workspace_presence SET updated_at = ? WHERE proxy_id = ?", ps -> {
                ps.setLong(1, at.toEpochMilli());
                ps.setString(2, proxyId);
            });
        });
    }

    @Override
    public void withdrawPresence(String proxyId) {
        db.execute("DELETE FROM workspace_presence WHERE proxy_id = ?", ps -> ps.setString(1, proxyId));
    }

    @Override
    public OpenCounts openCounts(String workspaceId, Instant freshSince) {
        return db.select("SELECT COALESCE(SUM(connections), 0), COALESCE(SUM(web_sockets), 0),"
                + " COALESCE(SUM(tunnels), 0) FROM workspace_presence WHERE workspace_id = ? AND updated_at >= ?",
                ps -> {
                    ps.setString(1, workspaceId);
                    ps.setLong(2, freshSince.toEpochMilli());
                },
                rs -> rs.next() ? new OpenCounts(rs.getInt(1), rs.getInt(2), rs.getInt(3)) : OpenCounts.NONE);
    }

    /** Deletes rows of proxies that stopped without withdrawing them (killed), long after they stopped counting. */
    void pruneStale(Instant before) {
        db.execute("DELETE FROM workspace_presence WHERE updated_at < ?", ps -> ps.setLong(1, before.toEpochMilli()));
    }
}
