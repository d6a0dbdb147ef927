package dev.codermon.auth.route;

/**
 * Tells the proxy where one running workspace listens and whom it belongs to.
 *
 * <p>A workspace's code-server listens on a unix domain socket in a directory that only the proxy (and
 * the workspace itself) can open; it has no TCP port, so a leaked or guessed address gives nothing to
 * anyone but the proxy.
 *
 * @param workspaceId    the workspace's id
 * @param user           its owner; the only principal the proxy forwards to it
 * @param hostname       the workspace hostname browsers use
 * @param upstreamSocket the absolute path of code-server's unix domain socket on the workspace's node
 * @param nodeId         the node the workspace runs on, or null for a store with one machine (no nodes): a
 *                       proxy reaches the socket itself only when the workspace is on its own node (or
 *                       nodeId is null), and otherwise only through that node's relay (docs/scale-out.md)
 */
public record Route(String workspaceId, String user, String hostname, String upstreamSocket, String nodeId) {

    /** A route on a one-machine store (no node). */
    public Route(String workspaceId, String user, String hostname, String upstreamSocket) {
        this(workspaceId, user, hostname, upstreamSocket, null);
    }
}
