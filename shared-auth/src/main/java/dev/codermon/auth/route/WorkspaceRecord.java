package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Objects;

/**
 * Holds what the store knows about one workspace.
 *
 * @param id             stable workspace id
 * @param user           owner's user id
 * @param name           workspace name, unique per user
 * @param hostname       the workspace's hostname under the workspace domain
 * @param upstreamSocket the absolute path of code-server's unix domain socket, or null when not running
 * @param state          lifecycle state
 * @param runtimeRef     the runtime's handle (process id, container id), or null
 * @param createdAt      when the workspace was first created
 * @param lastActivityAt when the proxy last saw real traffic for it (initially the creation time)
 * @param nodeId         the node it is placed on (its files live in that node's volumes), or null on a
 *                       one-machine store
 */
public record WorkspaceRecord(
        String id,
        String user,
        String name,
        String hostname,
        String upstreamSocket,
        WorkspaceState state,
        String runtimeRef,
        Instant createdAt,
        Instant lastActivityAt,
        String nodeId) {

    /** A record on a one-machine store (no node). */
    public WorkspaceRecord(String id, String user, String name, String hostname, String upstreamSocket,
            WorkspaceState state, String runtimeRef, Instant createdAt, Instant lastActivityAt) {
        this(id, user, name, hostname, upstreamSocket, state, runtimeRef, createdAt, lastActivityAt, null);
    }

    public WorkspaceRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastActivityAt, "lastActivityAt");
        if (upstreamSocket != null && !upstreamSocket.startsWith("/")) {
            throw new IllegalArgumentException("upstreamSocket must be an absolute path: " + upstreamSocket);
        }
    }

    /** Returns a copy in the given state. */
    public WorkspaceRecord withState(WorkspaceState newState) {
        return new WorkspaceRecord(id, user, name, hostname, upstreamSocket, newState, runtimeRef, createdAt,
                lastActivityAt, nodeId);
    }

    /** Returns a copy pointing at the given upstream socket (null: none) and runtime handle. */
    public WorkspaceRecord withUpstream(String socket, String ref) {
        return new WorkspaceRecord(id, user, name, hostname, socket, state, ref, createdAt, lastActivityAt, nodeId);
    }

    /** Returns a copy placed on the given node (null: none). */
    public WorkspaceRecord onNode(String node) {
        return new WorkspaceRecord(id, user, name, hostname, upstreamSocket, state, runtimeRef, createdAt,
                lastActivityAt, node);
    }

    /** Returns the route the proxy may use, if this workspace is running. */
    public java.util.Optional<Route> route() {
        if (state != WorkspaceState.RUNNING || upstreamSocket == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Route(id, user, hostname, upstreamSocket, nodeId));
    }
}
