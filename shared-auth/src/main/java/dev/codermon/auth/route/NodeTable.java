package dev.codermon.auth.route;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Keeps the {@code nodes} table: each node's relay address, capacity, last heartbeat, lost flag and
 * relay certificate's fingerprint. */
final class NodeTable implements NodeRecords {

    private final Database db;

    NodeTable(Database db) {
        this.db = db;
    }

    @Override
    public void saveNode(NodeRecord n) {
        db.execute("INSERT INTO nodes (id, relay_address, capacity, heartbeat_at, lost, relay_certificate)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET relay_address = excluded.relay_address,"
                + " capacity = excluded.capacity, heartbeat_at = excluded.heartbeat_at, lost = excluded.lost,"
                + " relay_certificate = excluded.relay_certificate", ps -> {
                    ps.setString(1, n.id());
                    ps.setString(2, n.relayAddress());
                    ps.setInt(3, n.capacity());
                    ps.setLong(4, n.heartbeatAt().toEpochMilli());
                    ps.setInt(5, n.lost() ? 1 : 0);
                    ps.setString(6, n.relayCertificate());
                });
    }

    @Override
    public Retirement retireNode(String id) {
        return db.inTransaction(() -> {
            int removed = db.execute("DELETE FROM nodes WHERE id = ? AND lost = 1"
                    + " AND NOT EXISTS (SELECT 1 FROM workspaces WHERE node_id = ?)", ps -> {
                        ps.setString(1, id);
                        ps.setString(2, id);
                    });
            if (removed == 1) {
                db.execute("DELETE FROM node_running WHERE node_id = ?", ps -> ps.setString(1, id));
                return Retirement.RETIRED;
            }
            Integer lost = db.select("SELECT lost FROM nodes WHERE id = ?", ps -> ps.setString(1, id),
                    rs -> rs.next() ? rs.getInt(1) : null);
            if (lost == null) {
                return Retirement.UNKNOWN;
            }
            return lost == 0 ? Retirement.REPORTING : Retirement.HOLDS_WORKSPACES;
        });
    }

    @Override
    public List<NodeRecord> nodes() {
        return db.select("SELECT id, relay_address, capacity, heartbeat_at, lost, relay_certificate FROM nodes"
                + " ORDER BY id", ps -> { },
                rs -> {
                    List<NodeRecord> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new NodeRecord(rs.getString(1), rs.getString(2), rs.getInt(3),
                                Instant.ofEpochMilli(rs.getLong(4)), rs.getInt(5) != 0, rs.getString(6)));
                    }
                    return out;
                });
    }
}
