package dev.codermon.controlplane.workspace;

/**
 * Signals a create or start for a user other than the one the runtime serves: local processes run as
 * the control plane's OS user, where one user's workspace could read the service's keys and reach
 * another's, so that runtime serves one user only.
 */
public final class SingleUserRuntimeException extends RuntimeException {

    SingleUserRuntimeException(String user, String soleUser) {
        super("this control plane runs workspaces as local processes for " + soleUser + " only (they share its OS"
                + " user and data directory, so they cannot be kept apart), not for " + user + "; several users need"
                + " the Docker runtime: ask the operator to start it with CODERMON_RUNTIME=docker", null, false,
                false);
    }
}
