package dev.codermon.controlplane.api;

import dev.codermon.auth.route.WorkspaceRecord;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Shows a workspace to its owner (or the admin).
 *
 * @param url           where to open it (through the proxy)
 * @param proxy         the HTTP proxy to use for {@code url}
 * @param uptimeSeconds seconds since it was last started (for one found running after a control-plane
 *                      restart, since its process or container started); null when not running or the
 *                      runtime cannot tell
 */
record WorkspaceView(String id, String user, String name, String state, String hostname, String url, String proxy,
        Long uptimeSeconds, Instant createdAt, Instant lastActivityAt) {

    static WorkspaceView of(WorkspaceRecord r, URI proxy, Optional<Duration> uptime) {
        return new WorkspaceView(r.id(), r.user(), r.name(), r.state().name(), r.hostname(),
                "http://" + r.hostname() + "/", proxy.toString(), uptime.map(Duration::toSeconds).orElse(null),
                r.createdAt(), r.lastActivityAt());
    }
}
