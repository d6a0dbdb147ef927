package dev.codermon.controlplane.api;

import dev.codermon.auth.route.WorkspaceRecord;
import java.net.URI;
import java.time.Instant;

/**
 * Shows a workspace to its owner.
 *
 * @param url   where to open it (through the proxy)
 * @param proxy the HTTP proxy to use for {@code url}
 */
record WorkspaceView(String id, String user, String name, String state, String hostname, String url, String proxy,
        Instant createdAt, Instant lastActivityAt) {

    static WorkspaceView of(WorkspaceRecord r, URI proxy) {
        return new WorkspaceView(r.id(), r.user(), r.name(), r.state().name(), r.hostname(),
                "http://" + r.hostname() + "/", proxy.toString(), r.createdAt(), r.lastActivityAt());
    }
}
