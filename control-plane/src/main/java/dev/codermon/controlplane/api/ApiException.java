package dev.codermon.controlplane.api;

/**
 * Signals a request the API refuses, with the status, a short error code and a sentence a person can act on.
 */
final class ApiException extends RuntimeException {

    private final int status;
    private final String code;

    public ApiException(int status, String code, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiException badRequest(String code, String detail) {
        return new ApiException(400, code, detail);
    }

    static ApiException unauthorized(String detail) {
        return new ApiException(401, "unauthorized", detail);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String detail() {
        return getMessage();
    }
}
