package dev.codermon.controlplane.workspace;

/** Signals that another control plane is changing this workspace right now. */
public final class WorkspaceBusyException extends RuntimeException {

    public WorkspaceBusyException(String message) {
        super(message, null, false, false);
    }
}
