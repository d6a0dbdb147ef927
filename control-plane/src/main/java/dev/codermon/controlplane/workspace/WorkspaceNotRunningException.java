package dev.codermon.controlplane.workspace;

import dev.codermon.auth.route.WorkspaceState;

/** Signals that a request needs a running workspace and this one is not. */
public final class WorkspaceNotRunningException extends RuntimeException {

    public WorkspaceNotRunningException(String id, WorkspaceState state) {
        super("workspace " + id + " is " + state + ", not RUNNING; start it with POST /api/workspaces/" + id
                + "/start", null, false, false);
    }
}
