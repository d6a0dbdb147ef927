package dev.codermon.auth.route;

/** Signals that a workspace with the same (user, name) or hostname already exists. */
public final class DuplicateWorkspaceException extends RouteStoreException {

    public DuplicateWorkspaceException(String message, Throwable cause) {
        super(message, cause);
    }
}
