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
 * @param upstreamHost   where code-server listens (a loopback address), or null when not running
 * @param upstreamPort   code-server's port, or 0 when not running
 * @param state          lifecycle state
 * @param runtimeRef     the runtime's handle (process id, container id), or null
 * @param createdAt      when the workspace was first created
 * @param lastActivityAt when the proxy last saw real traffic for it (initially the creation time)
 */
public record WorkspaceRecord(
        String id,
        String user,
        String name,
        String hostname,
        String upstreamHost,
        int upstreamPort,
        WorkspaceState state,
        String runtimeRef,
        Instant createdAt,
        Instant lastActivityAt) {

    public WorkspaceRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastActivityAt, "lastActivityAt");
        if (upstreamPort < 0 || upstreamPort > 65535) {
            throw new IllegalArgumentException("upstreamPort out of range: " + upstreamPort);
        }
    }

    /** Returns a copy in the given state. */
    public WorkspaceRecord withState(WorkspaceState newState) {
        return new WorkspaceRecord(id, user, name, hostname, upstreamHost, upstreamPort, newState, runtimeRef,
                createdAt, lastActivityAt);
    }

    /** Returns a copy pointing at the given upstream and runtime handle. */
    public WorkspaceRecord withUpstream(String host, int port, String ref) {
        return new WorkspaceRecord(id, user, name, hostname, host, port, state, ref, createdAt, lastActivityAt);
    }

    /** Returns the route the proxy may use, if this workspace is running. */
    public java.util.Optional<Route> route() {
        if (state != WorkspaceState.RUNNING || upstreamHost == null || upstreamPort == 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Route(id, user, hostname, upstreamHost, upstreamPort));
    }
}
