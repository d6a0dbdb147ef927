package dev.codermon.bench.cluster;

import dev.codermon.auth.route.SqlRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import java.time.Instant;

/**
 * Writes the benchmark's routes through the real store API: RUNNING workspaces of one user whose socket is
 * the benchmark's upstream on one node. Their runtime reference names no runtime the control planes know
 * ({@code bench:}), so the monitors leave them alone as another runtime's instances.
 */
final class BenchRoutes {

    private final SqlRouteStore store;
    private final String user;
    private final String domain;
    private final String socket;
    private final String node;
    private final String run = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

    BenchRoutes(SqlRouteStore store, String user, String domain, String socket, String node) {
        this.store = store;
        this.user = user;
        this.domain = domain;
        this.socket = socket;
        this.node = node;
    }

    /** The hostname of the benchmark's workspace with this name. */
    String hostname(String name) {
        return name + "." + user + "." + domain;
    }

    /** A name unique to this run. */
    String name(String what) {
        return "b" + run + "-" + what;
    }

    /** Inserts the RUNNING workspace of this name (its id is its name) and returns its hostname. */
    String insert(String name) {
        Instant now = Instant.now();
        store.insert(new WorkspaceRecord(name, user, name, hostname(name), socket, WorkspaceState.RUNNING,
                "bench:" + name, now, now, node));
        return hostname(name);
    }

    /** The stored state of the workspace of this name ("gone" when there is none). */
    String state(String name) {
        return store.find(name).map(r -> r.state().name()).orElse("gone");
    }

    boolean delete(String name) {
        return store.delete(name);
    }
}
