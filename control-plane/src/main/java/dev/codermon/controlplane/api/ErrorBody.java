package dev.codermon.controlplane.api;

/** Shapes every error response: a short machine-readable code and a sentence a person can act on. */
record ErrorBody(String error, String detail) {
}
