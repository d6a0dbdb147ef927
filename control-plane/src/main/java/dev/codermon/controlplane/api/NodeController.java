package dev.codermon.controlplane.api;

import dev.codermon.auth.route.NodeRecords;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.controlplane.node.LostNodes;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the cluster's nodes to the admin: {@code GET /api/nodes} lists them (last heartbeat, lost, the
 * relay certificate each agent published, how many workspace records are placed on each), and {@code DELETE
 * /api/nodes/{id}} retires one for good, once it is lost and holds no workspace (docs/scale-out.md).
 */
final class NodeController {

    private static final Logger log = LoggerFactory.getLogger(NodeController.class);

    /**
     * One node as the admin sees it.
     *
     * @param relayCertificate the SHA-256 (hex) of the relay certificate its agent published, or null
     * @param workspaces       how many workspace records are placed on it (their files are on its disk)
     */
    record NodeView(String id, String relayAddress, int capacity, Instant lastHeartbeat, long secondsSinceHeartbeat,
            boolean lost, String relayCertificate, long workspaces) {
    }

    private final ApiAuthenticator auth;
    private final NodeRecords nodes;
    private final WorkspaceService workspaces;
    private final Clock clock;

    NodeController(ApiAuthenticator auth, NodeRecords nodes, WorkspaceService workspaces, Clock clock) {
        this.auth = auth;
        this.nodes = nodes;
        this.workspaces = workspaces;
        this.clock = clock;
    }

    void list(Context ctx) {
        auth.requireAdmin(ctx);
        Map<String, Long> placed = workspaces.listAll().stream().filter(r -> r.nodeId() != null)
                .collect(Collectors.groupingBy(WorkspaceRecord::nodeId, Collectors.counting()));
        Instant now = clock.instant();
        ctx.json(nodes.nodes().stream().map(n -> new NodeView(n.id(), n.relayAddress(), n.capacity(), n.heartbeatAt(),
                Math.max(0, Duration.between(n.heartbeatAt(), now).toSeconds()), n.lost(), n.relayCertificate(),
                placed.getOrDefault(n.id(), 0L))).toList());
    }

    void retire(Context ctx) {
        auth.requireAdmin(ctx);
        String id = ctx.pathParam("id");
        switch (nodes.retireNode(id)) {
            case RETIRED -> {
                log.info("node {} retired by the admin: removed from the nodes table", id);
                ctx.status(204);
            }
            case UNKNOWN -> throw new ApiException(404, "not_found", "no node " + id + " in the cluster's nodes table");
            case REPORTING -> throw new ApiException(409, "node_reporting", "node " + id + " is not marked lost"
                    + heartbeat(id) + ": stop its node agent first; a node is marked lost "
                    + LostNodes.LOST_AFTER.toSeconds() + " s after its last heartbeat");
            case HOLDS_WORKSPACES -> {
                List<String> held = workspaces.listAll().stream().filter(r -> id.equals(r.nodeId()))
                        .map(r -> r.user() + "/" + r.name() + " " + r.state()).sorted().toList();
                throw new ApiException(409, "node_holds_workspaces", "node " + id + " still holds " + held.size()
                        + " workspace" + (held.size() == 1 ? "" : "s") + " (" + String.join(", ",
                        held.subList(0, Math.min(10, held.size()))) + (held.size() > 10 ? ", ..." : "")
                        + "), whose files are on its disk: delete them first");
            }
            default -> throw new IllegalStateException("retiring node " + id + ": unknown outcome");
        }
    }

    private String heartbeat(String id) {
        return nodes.nodes().stream().filter(n -> n.id().equals(id)).findFirst()
                .map(n -> " (its agent last reported " + Math.max(0,
                        Duration.between(n.heartbeatAt(), clock.instant()).toSeconds()) + " s ago)")
                .orElse("");
    }
}
