package dev.codermon.controlplane.runtime;

/**
 * Runs code-server instances for workspaces: as local processes today, as containers later.
 *
 * <p>Implementations are thread-safe. A runtime reference is an opaque string the store keeps, so that
 * a restarted control plane can find (and stop) what an earlier one started.
 */
public interface WorkspaceRuntime {

    /**
     * Starts code-server for the workspace and returns once it answers its health endpoint.
     *
     * @throws RuntimeStartException if it could not be started or did not become ready in time; whatever
     *                               was started has been stopped again
     */
    RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException;

    /** Stops what the reference names, waiting for it to exit; does nothing if it is already gone. */
    void stop(String runtimeRef);

    /** Returns whether what the reference names is still running. */
    boolean isAlive(String runtimeRef);
}
