package dev.codermon.controlplane.workspace;

import java.time.Duration;
import java.util.Optional;

/** Signals that a limit on workspaces refuses this request; the message says which and what to do. */
public final class WorkspaceLimitException extends RuntimeException {

    private final transient Optional<Duration> retryAfter;

    WorkspaceLimitException(String message, Optional<Duration> retryAfter) {
        super(message, null, false, false);
        this.retryAfter = retryAfter;
    }

    /** Returns when a retry may succeed, if waiting helps at all. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
