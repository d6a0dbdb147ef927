package dev.codermon.controlplane.runtime;

/**
 * Says that the runtime cannot answer now but may later: a workspace's node that is not reporting or did
 * not answer in time. The API answers {@code 503} with the message, which says which node and why.
 */
public final class RuntimeUnavailableException extends RuntimeException {

    public RuntimeUnavailableException(String message) {
        super(message);
    }
}
