package dev.codermon.controlplane.workspace;

/**
 * Thrown for a workspace whose instance was started by another runtime than this control plane's (say,
 * local processes when it now runs Docker): this runtime can neither see nor stop it.
 */
public final class WorkspaceOtherRuntimeException extends RuntimeException {

    public WorkspaceOtherRuntimeException(String id) {
        super("workspace " + id + " was started by another runtime than this control plane's; start the control"
                + " plane with that runtime (--runtime docker or --runtime process) to stop, start or delete it");
    }
}
