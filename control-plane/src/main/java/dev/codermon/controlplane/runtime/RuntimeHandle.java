package dev.codermon.controlplane.runtime;

/**
 * Tells where a started workspace's code-server listens and how the runtime knows it.
 *
 * @param socketPath the absolute path of code-server's unix domain socket, in the workspace's own socket
 *                   directory (see {@link WorkspaceSockets}); code-server has no TCP port
 * @param runtimeRef the runtime's reference (a process id for local processes, a container name for Docker)
 */
public record RuntimeHandle(String socketPath, String runtimeRef) {
}
