package dev.codermon.proxy.upstream;

import dev.codermon.auth.WorkspaceSocket;
import dev.codermon.auth.route.Route;

/** Names which of a workspace's unix sockets a connection is for: code-server's (HTTP) or the SSH server's. */
public enum SocketKind {
    /** code-server's socket, {@link Route#upstreamSocket()}. */
    HTTP,
    /** The SSH server's socket beside it ({@link WorkspaceSocket#sshSocketBeside}). */
    SSH;

    /** Returns the path of this socket of the route's workspace, on the workspace's node. */
    public String pathOf(Route route) {
        return this == HTTP ? route.upstreamSocket() : WorkspaceSocket.sshSocketBeside(route.upstreamSocket());
    }
}
