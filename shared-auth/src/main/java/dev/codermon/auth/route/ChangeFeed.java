package dev.codermon.auth.route;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the whole route and revocation table, and what changed since a version, each in one consistent
 * snapshot of the store (one transaction; REPEATABLE READ on PostgreSQL), so that the version returned
 * matches what was read.
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

    RouteChanges changesSince(long version) {
        return db.consistently(() -> {
            long latest = log.latest();
            if (version == latest) {
                return new RouteChanges(latest, Map.of(), null, true);
            }
            // Pruned past the version asked for, or a version this store never had (it was replaced).
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
