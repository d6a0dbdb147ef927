package dev.codermon.controlplane.login;

/** Says why a sign-in was refused, in words fit to show to the person; no session is opened. */
final class LoginFailure extends RuntimeException {

    private final int status;

    LoginFailure(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** Returns the HTTP status to answer with (400 bad input, 403 not allowed, 502/504 provider trouble). */
    int status() {
        return status;
    }
}
