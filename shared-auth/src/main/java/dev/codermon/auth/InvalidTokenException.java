package dev.codermon.auth;

/** Signals that a token was refused; the message is a short reason fit to show to the caller. */
public final class InvalidTokenException extends Exception {

    public InvalidTokenException(String reason) {
        super(reason, null, false, false);
    }
}
