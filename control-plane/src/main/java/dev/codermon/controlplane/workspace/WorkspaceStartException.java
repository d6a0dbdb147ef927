package dev.codermon.controlplane.workspace;

/** Signals that a workspace could not be started; the message says why. */
public final class WorkspaceStartException extends RuntimeException {

    public WorkspaceStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
