package dev.codermon.proxy.upstream;

import dev.codermon.proxy.http.Refusal;
import java.io.IOException;

/**
 * Fails the opening of an upstream connection with the answer the client gets, e.g. a {@code 502} naming
 * why another node's relay refused or could not be reached.
 */
public final class UpstreamUnreachable extends IOException {

    private final transient Refusal refusal;

    public UpstreamUnreachable(Refusal refusal) {
        super(refusal.reason(), null);
        this.refusal = refusal;
    }

    /** Returns the answer for the client. */
    public Refusal refusal() {
        return refusal;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // An expected refusal, reported by its message: a stack trace would say nothing more.
        return this;
    }
}
