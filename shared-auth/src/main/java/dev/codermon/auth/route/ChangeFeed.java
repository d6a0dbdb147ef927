package dev.codermon.auth.route;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the whole route and revocation table, and what changed since a version, each in one consistent
 * snapshot of the store, so that the version returned matches what was read: what changed in one statement
 * (one round trip; a statement sees one snapshot on both backends), everything else in one transaction
 * (REPEATABLE READ on PostgreSQL).
 */
final class ChangeFeed {

    private final Database db;
    private final ChangeLog log;
    private final WorkspaceTable workspaces;
    private final TokenTables tokens;

    ChangeFeed(Database db, ChangeLog log, WorkspaceTable workspaces, TokenTables tokens) {
        this.db = db;
        this.log = log;
        this.workspaces = workspaces;
        this.tokens = tokens;
    }

    RouteSnapshot loadAll() {
        return db.consistently(() -> new RouteSnapshot(log.latest(), workspaces.routes(), tokens.revocations()));
    }

    /**
     * One statement: the log's bounds, whether a revocation was logged after the version, and every hostname
     * whose route was logged after it, each with its workspace row as it is now (none where it is gone).
     */
    private static final String CHANGES = "SELECT " + WorkspaceTable.columns("w") + ", h.latest, h.oldest,"
            + " h.revoked, c.hostname FROM (SELECT (SELECT COALESCE(MAX(version), 0) FROM change_log) AS latest,"
            + " (SELECT COALESCE(MIN(version), 0) FROM change_log) AS oldest,"
            + " CASE WHEN EXISTS (SELECT 1 FROM change_log WHERE version > ? AND kind = 'revocation') THEN 1 ELSE 0"
            + " END AS revoked) h"
            + " LEFT JOIN (SELECT DISTINCT hostname FROM change_log WHERE version > ? AND kind = 'route') c ON 1 = 1"
            + " LEFT JOIN workspaces w ON w.hostname = c.hostname";

    /** What the statement {@link #CHANGES} read. */
    private record Read(long latest, long oldest, boolean revoked, Map<String, Optional<Route>> routes) {
    }

    /**
     * What changed since the version: one statement, or, when revocations changed too (they are read whole,
     * by a second statement), one transaction.
     */
    RouteChanges changesSince(long version) {
        Read read = db.select(CHANGES, ps -> {
            ps.setLong(1, version);
            ps.setLong(2, version);
        }, rs -> {
            long latest = 0;
            long oldest = 0;
            boolean revoked = false;
            Map<String, Optional<Route>> routes = new HashMap<>();
            while (rs.next()) {
                latest = rs.getLong(11);
                oldest = rs.getLong(12);
                revoked = rs.getInt(13) != 0;
                String hostname = rs.getString(14);
                if (hostname != null) {
                    routes.put(hostname, WorkspaceTable.routeAt(rs));
                }
            }
            return new Read(latest, oldest, revoked, routes);
        });
        if (version == read.latest()) {
            return new RouteChanges(read.latest(), Map.of(), null, true);
        }
        // Pruned past the version asked for, or a version this store never had (it was replaced).
        if (version > read.latest() || version < read.oldest() - 1) {
            return RouteChanges.incomplete(read.latest());
        }
        if (read.revoked()) {
            return changesWithRevocations(version);
        }
        return new RouteChanges(read.latest(), read.routes(), null, true);
    }

    /** What changed since the version, revocations included, in one transaction. */
    private RouteChanges changesWithRevocations(long version) {
        return db.consistently(() -> {
            long latest = log.latest();
            if (version > latest || version < log.oldest() - 1) {
                return RouteChanges.incomplete(latest);
            }
            Map<String, Optional<Route>> routes = new HashMap<>();
            for (String hostname : log.hostnamesChanged(version, latest)) {
                routes.put(hostname, workspaces.findRoute(hostname));
            }
            Map<String, Instant> revocations = log.revocationsChanged(version, latest) ? tokens.revocations() : null;
            return new RouteChanges(latest, routes, revocations, true);
        });
    }
}
