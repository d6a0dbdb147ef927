package dev.codermon.controlplane.monitor;

/** Tells whether code-server on a unix socket answers its health endpoint right now. */
@FunctionalInterface
public interface HealthCheck {

    /** Returns whether the socket at this path answers its health endpoint (false for null). */
    boolean isHealthy(String socketPath);
}
