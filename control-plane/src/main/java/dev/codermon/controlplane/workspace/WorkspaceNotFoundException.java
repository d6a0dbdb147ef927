package dev.codermon.controlplane.workspace;

/** Signals that the caller has no workspace with this id (whether it does not exist or is someone else's). */
public final class WorkspaceNotFoundException extends RuntimeException {

    public WorkspaceNotFoundException(String id) {
        super("no workspace with id " + id + " for you; list yours with GET /api/workspaces", null, false, false);
    }
}
