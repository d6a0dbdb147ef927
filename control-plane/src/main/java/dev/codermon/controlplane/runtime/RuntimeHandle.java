package dev.codermon.controlplane.runtime;

/**
 * Tells where a started workspace listens and how the runtime knows it.
 *
 * @param host       the loopback address code-server listens on
 * @param port       its port
 * @param runtimeRef the runtime's reference (a process id for local processes)
 */
public record RuntimeHandle(String host, int port, String runtimeRef) {
}
