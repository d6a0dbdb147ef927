package dev.codermon.proxy.metrics;

import dev.codermon.proxy.http.RequestTarget;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides which {@code Host} headers the admin port answers: {@code localhost}, {@code 127.0.0.1} and
 * {@code [::1]} without a port or with the admin port's own, and configured extra entries ({@code host}
 * for any port, {@code host:port} for one). A web page whose name was re-pointed at 127.0.0.1 (DNS
 * rebinding) sends its own name in {@code Host}, so it is refused and cannot read {@code /metrics}.
 * Mirrors the control plane's {@code HostGuard}; hosts are parsed by the proxy's one authority parser.
 */
final class AdminHostGuard {

    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "::1");

    private final int port;
    private final Set<String> anyPort = new HashSet<>();
    private final Set<String> exact = new HashSet<>();

    /**
     * Creates the guard for the admin server's bound port.
     *
     * @param allowedHosts extra entries, {@code host} or {@code host:port}, validated by {@code ProxyConfig}
     * @throws IllegalArgumentException if an entry is not a well-formed {@code host[:port]}
     */
    AdminHostGuard(List<String> allowedHosts, int port) {
        this.port = port;
        for (String entry : allowedHosts) {
            RequestTarget allowed = RequestTarget.parseAuthority(entry.strip());
            if (allowed.port() == RequestTarget.NO_PORT) {
                anyPort.add(allowed.host());
            } else {
                exact.add(allowed.host() + ":" + allowed.port());
            }
        }
    }

    /** Returns whether a request with exactly these {@code Host} header values (null: none) is answered. */
    boolean allows(List<String> hostHeaders) {
        if (hostHeaders == null || hostHeaders.size() != 1 || hostHeaders.get(0).isBlank()) {
            return false;
        }
        RequestTarget host;
        try {
            host = RequestTarget.parseAuthority(hostHeaders.get(0).strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (LOOPBACK.contains(host.host()) && (host.port() == RequestTarget.NO_PORT || host.port() == port)) {
            return true;
        }
        return anyPort.contains(host.host()) || exact.contains(host.host() + ":" + host.effectivePort());
    }
}
