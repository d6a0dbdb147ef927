package dev.codermon.controlplane.api;

import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.controlplane.node.LostNodes;
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
 * @param node          the cluster node it is placed on, or null on a one-machine store
 * @param files         where its files live (a node's local volume stays on that node)
 * @param reason        why it is LOST, else null
 */
record WorkspaceView(String id, String user, String name, String state, String hostname, String url, String proxy,
        Long uptimeSeconds, Instant createdAt, Instant lastActivityAt, String node, String files, String reason) {

    static WorkspaceView of(WorkspaceRecord r, URI proxy, Optional<Duration> uptime) {
        return new WorkspaceView(r.id(), r.user(), r.name(), r.state().name(), r.hostname(),
                "http://" + r.hostname() + "/", proxy.toString(), uptime.map(Duration::toSeconds).orElse(null),
                r.createdAt(), r.lastActivityAt(), r.nodeId(),
                r.nodeId() == null ? "this machine" : "node " + r.nodeId() + " (node-local volume)",
                r.state() == WorkspaceState.LOST ? LostNodes.reason(r.nodeId()) : null);
    }
}
