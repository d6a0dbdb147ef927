package dev.codermon.auth.route;

/** Signals that the store could not be read or written; callers must not treat it as "no route". */
public class RouteStoreException extends RuntimeException {

    public RouteStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
