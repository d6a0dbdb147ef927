package dev.codermon.controlplane.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Runs code-server instances for workspaces, as containers or as local processes.
 *
 * <p>Implementations are thread-safe. A runtime reference is an opaque string the store keeps, so that
 * a restarted control plane can find (and stop) what an earlier one started. code-server listens on a
 * unix socket in the workspace's own socket directory ({@link WorkspaceSockets}), never on a TCP port.
 * Stopping keeps the workspace's files; removing drops them and the socket directory.
 */
public interface WorkspaceRuntime extends AutoCloseable {

    /**
     * Names one instance a runtime manages.
     *
     * @param workspaceId the workspace it was started for
     * @param runtimeRef  the runtime's reference to it
     */
    record Instance(String workspaceId, String runtimeRef) {
    }

    /**
     * Starts code-server for the workspace and returns once it answers its health endpoint.
     *
     * @throws RuntimeStartException if it could not be started or did not become ready in time; whatever
     *                               was started has been stopped again (the workspace's files are kept)
     */
    RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException;

    /**
     * Stops what the reference names, waiting for it to exit, and keeps the workspace's files; does
     * nothing if it is already gone or is not this runtime's.
     */
    void stop(String runtimeRef);

    /**
     * Returns whether what the reference names is still running.
     *
     * @throws RuntimeException if the runtime cannot tell right now (the Docker daemon does not answer);
     *                          that is not the same as "not running"
     */
    boolean isAlive(String runtimeRef);

    /**
     * Deletes everything the runtime keeps for the workspace (its files, its container and volume, its
     * socket directory); tolerates parts that are already gone. Stop it first.
     */
    void remove(String workspaceId);

    /**
     * Returns when what the reference names started, if it runs and the runtime can tell (a process's
     * start time, a container's); lets a restarted control plane give uptimes of what it found running.
     */
    default Optional<Instant> startedAt(String runtimeRef) {
        return Optional.empty();
    }

    /**
     * Returns whether the reference is of this runtime's kind (a container name for Docker, a process id
     * for local processes). A record whose reference is not was made by a control plane that ran another
     * runtime on the same store; this one leaves it alone rather than take it for gone.
     */
    default boolean recognizes(String runtimeRef) {
        return true;
    }

    /** Returns whether the record names an instance that another runtime started (none named: no). */
    default boolean isForeign(String runtimeRef) {
        return runtimeRef != null && !recognizes(runtimeRef);
    }

    /**
     * Returns the TCP ports something listens on inside the workspace (its apps), in ascending order;
     * empty when the runtime cannot tell. code-server itself listens on a unix socket, so every TCP port
     * is an app's.
     *
     * @throws RuntimeUnavailableException when only later can it tell (the workspace's node is not
     *                                     reporting, or did not answer in time)
     */
    default List<Integer> listeningPorts(String runtimeRef) {
        return List.of();
    }

    /**
     * Returns the one user this runtime may run workspaces for, when it cannot keep users apart (local
     * processes share the control plane's OS user and data directory); empty when each workspace is
     * isolated from the others and from the control plane (containers).
     */
    default Optional<String> soleUser() {
        return Optional.empty();
    }

    /**
     * Returns every instance the runtime manages, running or not, found without the store (containers by
     * their labels), so that the reconcile can stop those no record accounts for; empty if the runtime
     * cannot list them (local processes are found only through the process ids the store keeps).
     */
    default Optional<List<Instance>> managedInstances() {
        return Optional.empty();
    }

    /** Releases what the runtime holds (clients, files); running workspaces keep running. */
    @Override
    default void close() {
    }
}
