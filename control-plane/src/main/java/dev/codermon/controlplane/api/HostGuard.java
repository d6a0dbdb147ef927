package dev.codermon.controlplane.api;

import io.javalin.http.Context;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses requests whose {@code Host} header names anything but the loopback names on the API's own port
 * or a configured extra host. A web page on another site that re-points its name at 127.0.0.1 (DNS
 * rebinding) reaches the API with its own name in {@code Host}, so it is refused before any handler runs.
 */
final class HostGuard {

    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

    private final Set<String> exact = new HashSet<>();
    private final Set<String> anyPort = new HashSet<>();

    /** Creates the guard; entries are {@code host} (any port) or {@code host:port}, already validated. */
    HostGuard(List<String> allowedHosts) {
        for (String entry : allowedHosts) {
            String h = entry.toLowerCase(Locale.ROOT);
            if (portOf(h) < 0) {
                anyPort.add(h);
            } else {
                exact.add(h);
            }
        }
    }

    /**
     * Lets the request through or refuses it.
     *
     * @throws ApiException 403 {@code host_not_allowed}
     */
    void check(Context ctx) {
        if (!allows(ctx.header("Host"), ctx.req().getLocalPort())) {
            throw new ApiException(403, "host_not_allowed", "the control plane does not answer to this Host header;"
                    + " use http://127.0.0.1:" + ctx.req().getLocalPort() + ", or add the name to --allowed-hosts /"
                    + " CODERMON_CP_ALLOWED_HOSTS");
        }
    }

    /** Returns whether the Host header value is allowed on a connection to the given local port. */
    boolean allows(String hostHeader, int localPort) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return false;
        }
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        int port = portOf(h);
        if (port == -2) {
            return false;
        }
        String name = port < 0 ? h : h.substring(0, h.lastIndexOf(':'));
        int effectivePort = port < 0 ? 80 : port;
        if (LOOPBACK.contains(name) && effectivePort == localPort) {
            return true;
        }
        return anyPort.contains(name) || exact.contains(name + ":" + effectivePort);
    }

    /** Returns the explicit port of {@code host[:port]} (IPv6 in brackets), -1 if none, -2 if malformed. */
    private static int portOf(String h) {
        int colon = h.lastIndexOf(':');
        if (colon < 0 || (h.startsWith("[") && colon < h.indexOf(']'))) {
            return -1;
        }
        try {
            int port = Integer.parseInt(h.substring(colon + 1));
            return port >= 0 && port <= 65535 ? port : -2;
        } catch (NumberFormatException e) {
            return -2;
        }
    }
}
