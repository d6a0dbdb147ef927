package dev.codermon.auth.route;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Keeps the {@code node_jobs} queue and the {@code node_running} reports (schema step 3). */
final class NodeJobTable implements NodeJobs {

    private static final String COLUMNS = "id, node_id, workspace_id, kind, argument, status, result, created_at";

    private final Database db;
    private final NodeRecords nodes;

    NodeJobTable(Database db, NodeRecords nodes) {
        this.db = db;
        this.nodes = nodes;
    }

    @Override
    public long enqueue(String nodeId, String workspaceId, NodeJob.Kind kind, String argument, Instant at) {
        return db.select("INSERT INTO node_jobs (node_id, workspace_id, kind, argument, status, created_at,"
                + " updated_at) VALUES (?, ?, ?, ?, 'QUEUED', ?, ?) RETURNING id", ps -> {
                    ps.setString(1, nodeId);
                    ps.setString(2, workspaceId);
                    ps.setString(3, kind.name());
                    ps.setString(4, argument == null ? "" : argument);
                    ps.setLong(5, at.toEpochMilli());
                    ps.setLong(6, at.toEpochMilli());
                }, rs -> {
                    rs.next();
                    return rs.getLong(1);
                });
    }

    @Override
    public Optional<NodeJob> takeNext(String nodeId, Instant at) {
        // One statement: the subquery picks the oldest queued job no other agent holds, the update takes it.
        return db.inTransaction(() -> db.select("UPDATE node_jobs SET status = 'TAKEN', updated_at = ? WHERE id ="
                + " (SELECT id FROM node_jobs WHERE node_id = ? AND status = 'QUEUED' ORDER BY id LIMIT 1"
                + db.skipLocked() + ") RETURNING " + COLUMNS, ps -> {
                    ps.setLong(1, at.toEpochMilli());
                    ps.setString(2, nodeId);
                }, rs -> rs.next() ? Optional.of(read(rs)) : Optional.<NodeJob>empty()));
    }

    @Override
    public void finish(long jobId, boolean done, String resultOrReason, Instant at) {
        db.execute("UPDATE node_jobs SET status = ?, result = ?, updated_at = ? WHERE id = ?", ps -> {
            ps.setString(1, done ? "DONE" : "FAILED");
            ps.setString(2, resultOrReason);
            ps.setLong(3, at.toEpochMilli());
            ps.setLong(4, jobId);
        });
    }

    @Override
    public Optional<NodeJob> job(long jobId) {
        return db.select("SELECT " + COLUMNS + " FROM node_jobs WHERE id = ?", ps -> ps.setLong(1, jobId),
                rs -> rs.next() ? Optional.of(read(rs)) : Optional.empty());
    }

    @Override
    public boolean cancelQueued(long jobId) {
        return db.execute("DELETE FROM node_jobs WHERE id = ? AND status = 'QUEUED'", ps -> ps.setLong(1, jobId)) == 1;
    }

    @Override
    public void reportNode(NodeRecord node, Set<String> runningRefs) {
        db.inTransaction(() -> {
            nodes.saveNode(node);
            db.execute("DELETE FROM node_running WHERE node_id = ?", ps -> ps.setString(1, node.id()));
            for (String ref : runningRefs) {
                db.execute("INSERT INTO node_running (node_id, runtime_ref) VALUES (?, ?)", ps -> {
                    ps.setString(1, node.id());
                    ps.setString(2, ref);
                });
            }
        });
    }

    @Override
    public Set<String> runningRefs(String nodeId) {
        return db.select("SELECT runtime_ref FROM node_running WHERE node_id = ?", ps -> ps.setString(1, nodeId),
                rs -> {
                    Set<String> refs = new HashSet<>();
                    while (rs.next()) {
                        refs.add(rs.getString(1));
                    }
                    return refs;
                });
    }

    @Override
    public List<String> markLostNodes(Instant silentSince) {
        return db.select("UPDATE nodes SET lost = 1 WHERE lost = 0 AND heartbeat_at < ? RETURNING id",
                ps -> ps.setLong(1, silentSince.toEpochMilli()), rs -> {
                    List<String> ids = new ArrayList<>();
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                    return ids;
                });
    }

    /** Deletes ended jobs last changed before the given time. */
    void pruneEnded(Instant before) {
        db.execute("DELETE FROM node_jobs WHERE status IN ('DONE', 'FAILED') AND updated_at < ?",
                ps -> ps.setLong(1, before.toEpochMilli()));
    }

    private static NodeJob read(ResultSet rs) throws SQLException {
        return new NodeJob(rs.getLong(1), rs.getString(2), rs.getString(3), NodeJob.Kind.valueOf(rs.getString(4)),
                rs.getString(5), NodeJob.Status.valueOf(rs.getString(6)), rs.getString(7),
                Instant.ofEpochMilli(rs.getLong(8)));
    }
}
