package dev.codermon.controlplane.runtime;

/** Signals that a workspace could not be started; the message says why, fit to show to its owner. */
public final class RuntimeStartException extends Exception {

    public RuntimeStartException(String message) {
        super(message);
    }

    public RuntimeStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
