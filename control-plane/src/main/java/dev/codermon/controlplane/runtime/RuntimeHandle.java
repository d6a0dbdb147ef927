package dev.codermon.controlplane.runtime;

/**
 * Tells where a started workspace's code-server listens and how the runtime knows it.
 *
 * @param socketPath the absolute path of code-server's unix domain socket, in the workspace's own socket
 *                   directory (see {@link WorkspaceSockets}); code-server has no TCP port
 * @param runtimeRef the runtime's reference (a process id for local processes, a container name for Docker)
 * @param nodeId     the node it runs on when the runtime places workspaces on nodes, else null
 */
public record RuntimeHandle(String socketPath, String runtimeRef, String nodeId) {

    /** A handle of a runtime on this machine (no node). */
    public RuntimeHandle(String socketPath, String runtimeRef) {
        this(socketPath, runtimeRef, null);
    }
}
