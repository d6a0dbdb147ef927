package dev.codermon.controlplane.monitor;

/** Tells whether code-server at an address answers its health endpoint right now. */
@FunctionalInterface
public interface HealthCheck {

    /** Returns whether {@code host:port} answers its health endpoint. */
    boolean isHealthy(String host, int port);
}
