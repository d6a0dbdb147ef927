package dev.codermon.auth.route;

/** Signals that the user registered a key with the same fingerprint already. */
public final class DuplicateSshKeyException extends RouteStoreException {

    public DuplicateSshKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
