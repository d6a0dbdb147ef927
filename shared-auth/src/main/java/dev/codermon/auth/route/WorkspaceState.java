package dev.codermon.auth.route;

/** Lifecycle states of a workspace; only {@link #RUNNING} workspaces have a route. */
public enum WorkspaceState {
    /** Being started; not yet answering its health endpoint. */
    STARTING,
    /** Ready; the proxy forwards to it. */
    RUNNING,
    /** Being stopped or deleted. */
    STOPPING,
    /** Not running; its files are kept. */
    STOPPED,
    /** Failed to start or died; see the control plane's log. */
    FAILED,
    /**
     * Its node stopped reporting (docs/scale-out.md): no route; its files are on that node and come back
     * with it. It starts again on that node once the node reports again.
     */
    LOST;

    /** Whether a start or a stop is under way (some control plane or node is changing the workspace now). */
    public boolean isChanging() {
        return this == STARTING || this == STOPPING;
    }
}
