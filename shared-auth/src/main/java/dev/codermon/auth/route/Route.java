package dev.codermon.auth.route;

/**
 * Tells the proxy where one running workspace listens and whom it belongs to.
 *
 * @param workspaceId  the workspace's id
 * @param user         its owner; the only principal the proxy forwards to it
 * @param hostname     the workspace hostname browsers use
 * @param upstreamHost code-server's address (loopback)
 * @param upstreamPort code-server's port
 */
public record Route(String workspaceId, String user, String hostname, String upstreamHost, int upstreamPort) {
}
