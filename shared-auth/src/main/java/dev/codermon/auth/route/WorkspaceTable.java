package dev.codermon.auth.route;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes the {@code workspaces} table: records, the routes derived from them, and activity. Every
 * insert, update and delete appends the hostname to the change log in its transaction; activity does not.
 */
final class WorkspaceTable implements WorkspaceRecords, RouteLookup, ActivityWriter {

    private static final String COLUMNS = "id, user_id, name, hostname, upstream_socket, state,"
            + " runtime_ref, created_at, last_activity_at, node_id";

    /** {@link #COLUMNS} of the table under an alias, in the same order (for joins read by {@link #routeAt}). */
    static String columns(String alias) {
        return alias + "." + COLUMNS.replace(", ", ", " + alias + ".");
    }

    /**
     * Reads the route of the workspace row in columns 1 to 10 of the current row ({@link #columns} order):
     * empty where the row is absent (an outer join found none) or has no route.
     */
    static Optional<Route> routeAt(ResultSet rs) throws SQLException {
        return rs.getString(1) == null ? Optional.empty() : read(rs).route();
    }

    private final Database db;
    private final ChangeLog log;

    WorkspaceTable(Database db, ChangeLog log) {
        this.db = db;
        this.log = log;
    }

    @Override
    public Optional<Route> findRoute(String hostname) {
        return queryOne("SELECT " + COLUMNS + " FROM workspaces WHERE hostname = ?", hostname)
                .flatMap(WorkspaceRecord::route);
    }

    /** Returns every route, by hostname. */
    Map<String, Route> routes() {
        Map<String, Route> out = new LinkedHashMap<>();
        for (WorkspaceRecord r : query("SELECT " + COLUMNS + " FROM workspaces WHERE state = 'RUNNING'"
                + " AND upstream_socket IS NOT NULL", ps -> { })) {
            r.route().ifPresent(route -> out.put(route.hostname(), route));
        }
        return out;
    }

    @Override
    public void recordActivity(String workspaceId, Instant at) {
        db.execute("UPDATE workspaces SET last_activity_at = ? WHERE id = ? AND last_activity_at < ?", ps -> {
            ps.setLong(1, at.toEpochMilli());
            ps.setString(2, workspaceId);
            ps.setLong(3, at.toEpochMilli());
        });
    }

    @Override
    public void insert(WorkspaceRecord r) {
        try {
            db.inTransaction(() -> {
                // The log first: every appending transaction takes the log's lock before any row lock.
                log.route(r.hostname());
                db.execute("INSERT INTO workspaces (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setString(1, r.id());
                    bindFields(ps, r, 2);
                });
            });
        } catch (RouteStoreException e) {
            if (e.getCause() instanceof SQLException se && db.isUniqueViolation(se)) {
                throw new DuplicateWorkspaceException("workspace " + r.user() + "/" + r.name()
                        + " or hostname " + r.hostname() + " already exists", se);
            }
            throw e;
        }
    }

    @Override
    public boolean update(WorkspaceRecord r) {
        return update(r, null);
    }

    @Override
    public boolean updateIf(WorkspaceRecord r, WorkspaceState expected) {
        return update(r, java.util.Objects.requireNonNull(expected, "expected"));
    }

    @Override
    public boolean placeIfRoom(WorkspaceRecord r, int capacity) {
        String node = java.util.Objects.requireNonNull(r.nodeId(), "a placed record names its node");
        return db.inTransaction(() -> {
            // Every change of the table takes the change log's lock first (SQLite: one writer at a time), so
            // the count below already holds every placement committed before this one and none can slip in.
            db.lockChangeLog();
            int held = db.select("SELECT COUNT(*) FROM workspaces WHERE node_id = ? AND id <> ?"
                    + " AND state IN ('STARTING', 'RUNNING')", ps -> {
                        ps.setString(1, node);
                        ps.setString(2, r.id());
                    }, rs -> rs.next() ? rs.getInt(1) : 0);
            return held < capacity && updateLocked(r, null);
        });
    }

    /** Replaces the record, only while its stored state is {@code expected} unless that is null. */
    private boolean update(WorkspaceRecord r, WorkspaceState expected) {
        return db.inTransaction(() -> {
            db.lockChangeLog();
            return updateLocked(r, expected);
        });
    }

    /** {@link #update}'s work, in a transaction that holds the change log's lock. */
    private boolean updateLocked(WorkspaceRecord r, WorkspaceState expected) {
        String onlyIf = expected == null ? "" : " AND state = ?";
        // A changed hostname loses its route: log the old one too.
        db.execute("INSERT INTO change_log (hostname, kind, at) SELECT hostname, 'route', ? FROM workspaces"
                + " WHERE id = ? AND hostname <> ?" + onlyIf, ps -> {
                    ps.setLong(1, System.currentTimeMillis());
                    ps.setString(2, r.id());
                    ps.setString(3, r.hostname());
                    if (expected != null) {
                        ps.setString(4, expected.name());
                    }
                });
        // last_activity_at is the proxy's to advance: keep whichever is newer.
        boolean changed = db.execute("UPDATE workspaces SET user_id = ?, name = ?, hostname = ?,"
                + " upstream_socket = ?, state = ?, runtime_ref = ?, created_at = ?,"
                + " last_activity_at = " + db.greatest() + "(last_activity_at, ?), node_id = ? WHERE id = ?"
                + onlyIf, ps -> {
                    bindFields(ps, r, 1);
                    ps.setString(10, r.id());
                    if (expected != null) {
                        ps.setString(11, expected.name());
                    }
                }) == 1;
        if (changed) {
            log.route(r.hostname());
        }
        return changed;
    }

    @Override
    public boolean delete(String id) {
        return db.inTransaction(() -> {
            db.lockChangeLog();
            Optional<WorkspaceRecord> gone = find(id);
            if (gone.isEmpty()) {
                return false;
            }
            log.route(gone.get().hostname());
            db.execute("DELETE FROM workspaces WHERE id = ?", ps -> ps.setString(1, id));
            return true;
        });
    }

    @Override
    public Optional<WorkspaceRecord> find(String id) {
        return queryOne("SELECT " + COLUMNS + " FROM workspaces WHERE id = ?", id);
    }

    @Override
    public Optional<WorkspaceRecord> findByUserAndName(String user, String name) {
        return query("SELECT " + COLUMNS + " FROM workspaces WHERE user_id = ? AND name = ?", ps -> {
            ps.setString(1, user);
            ps.setString(2, name);
        }).stream().findFirst();
    }

    @Override
    public Optional<WorkspaceRecord> findByRuntimeRef(String runtimeRef) {
        return query("SELECT " + COLUMNS + " FROM workspaces WHERE runtime_ref = ? ORDER BY created_at, id LIMIT 1",
                ps -> ps.setString(1, runtimeRef)).stream().findFirst();
    }

    @Override
    public List<WorkspaceRecord> listByUser(String user) {
        return query("SELECT " + COLUMNS + " FROM workspaces WHERE user_id = ? ORDER BY created_at, id",
                ps -> ps.setString(1, user));
    }

    @Override
    public List<WorkspaceRecord> listAll() {
        return query("SELECT " + COLUMNS + " FROM workspaces ORDER BY created_at, id", ps -> { });
    }

    /** Binds every column but the id, in {@link #COLUMNS} order, from parameter {@code first} on. */
    private static void bindFields(PreparedStatement ps, WorkspaceRecord r, int first) throws SQLException {
        ps.setString(first, r.user());
        ps.setString(first + 1, r.name());
        ps.setString(first + 2, r.hostname());
        ps.setString(first + 3, r.upstreamSocket());
        ps.setString(first + 4, r.state().name());
        ps.setString(first + 5, r.runtimeRef());
        ps.setLong(first + 6, r.createdAt().toEpochMilli());
        ps.setLong(first + 7, r.lastActivityAt().toEpochMilli());
        ps.setString(first + 8, r.nodeId());
    }

    private Optional<WorkspaceRecord> queryOne(String sql, String key) {
        return query(sql, ps -> ps.setString(1, key)).stream().findFirst();
    }

    private List<WorkspaceRecord> query(String sql, Database.Binder binder) {
        return db.select(sql, binder, rs -> {
            List<WorkspaceRecord> out = new ArrayList<>();
            while (rs.next()) {
                out.add(read(rs));
            }
            return out;
        });
    }

    private static WorkspaceRecord read(ResultSet rs) throws SQLException {
        return new WorkspaceRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getString(5), WorkspaceState.valueOf(rs.getString(6)), rs.getString(7),
                Instant.ofEpochMilli(rs.getLong(8)), Instant.ofEpochMilli(rs.getLong(9)), rs.getString(10));
    }
}
