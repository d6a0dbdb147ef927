package dev.codermon.proxy;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.WorkspaceDomain;
import dev.codermon.proxy.http.RequestTarget;
import dev.codermon.proxy.http.TargetPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Holds the proxy's settings, validated on construction.
 *
 * @param home   the data directory shared with the control plane (public keys, route store)
 * @param bind   the address to listen on
 * @param port   the port to listen on; 0 picks a free one
 * @param domain the workspace domain; only hosts under it are reachable
 * @param adminPort the loopback port of {@code /metrics} and {@code /healthz}; 0 picks a free one, -1 turns it off
 * @param limits the limits and timeouts
 * @param deniedAppPorts ports inside workspaces that no app host ({@code <port>.<workspace-host>}) reaches
 * @param adminAllowedHosts extra {@code Host} values the admin port answers ({@code host} for any port or
 *                          {@code host:port}), besides {@code localhost}, {@code 127.0.0.1} and {@code [::1]}
 */
record ProxyConfig(CodermonHome home, String bind, int port, String domain, int adminPort, ProxyLimits limits,
        Set<Integer> deniedAppPorts, List<String> adminAllowedHosts) {

    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 5000;
    public static final String DEFAULT_DOMAIN = WorkspaceDomain.DEFAULT;
    public static final int DEFAULT_ADMIN_PORT = 5002;

    /** @throws IllegalArgumentException naming the bad setting and what is expected */
    public ProxyConfig {
        Objects.requireNonNull(home, "home");
        if (bind == null || bind.isBlank()) {
            throw new IllegalArgumentException("--bind (CODERMON_PROXY_BIND) must be an address to listen on");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port (CODERMON_PROXY_PORT) must be 0-65535, was " + port);
        }
        if (adminPort < -1 || adminPort > 65535) {
            throw new IllegalArgumentException("--admin-port (CODERMON_PROXY_ADMIN_PORT) must be 0-65535, or -1 for"
                    + " none, was " + adminPort);
        }
        Objects.requireNonNull(limits, "limits");
        deniedAppPorts = Set.copyOf(Objects.requireNonNull(deniedAppPorts, "deniedAppPorts"));
        adminAllowedHosts = validHosts(Objects.requireNonNull(adminAllowedHosts, "adminAllowedHosts"));
        domain = WorkspaceDomain.parse("--domain (CODERMON_DOMAIN)", domain).name();
    }

    /**
     * Returns the file where this proxy keeps its last known route table: in a directory of its own under the
     * data directory, named by its configured port, so that proxies sharing a data directory keep apart.
     */
    public java.nio.file.Path routeSnapshotFile() {
        return home.dir().resolve("proxy").resolve(Integer.toString(port)).resolve("routes-snapshot.json");
    }

    /** Creates a config whose admin port answers the loopback names only. */
    public ProxyConfig(CodermonHome home, String bind, int port, String domain, int adminPort, ProxyLimits limits,
            Set<Integer> deniedAppPorts) {
        this(home, bind, port, domain, adminPort, limits, deniedAppPorts, List.of());
    }

    /**
     * Parses a comma-separated list of {@code host} or {@code host:port} entries; blank means none.
     * Entries are validated by the constructor.
     */
    public static List<String> parseHosts(String text) {
        List<String> hosts = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                hosts.add(part.strip());
            }
        }
        return hosts;
    }

    private static List<String> validHosts(List<String> hosts) {
        List<String> out = new ArrayList<>();
        for (String h : hosts) {
            String entry = h == null ? "" : h.strip().toLowerCase(Locale.ROOT);
            try {
                RequestTarget.parseAuthority(entry);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--admin-allowed-hosts (CODERMON_PROXY_ADMIN_ALLOWED_HOSTS) entry '"
                        + h + "' is not a host or host:port (e.g. metrics.example.org or metrics.example.org:8443)");
            }
            out.add(entry);
        }
        return List.copyOf(out);
    }

    /** Creates a config with the default app deny list. */
    public ProxyConfig(CodermonHome home, String bind, int port, String domain, int adminPort, ProxyLimits limits) {
        this(home, bind, port, domain, adminPort, limits, TargetPolicy.DEFAULT_DENIED_APP_PORTS);
    }

    /**
     * Parses a deny list of app ports: comma-separated port numbers, or empty for none.
     *
     * @throws IllegalArgumentException naming the bad entry
     */
    public static Set<Integer> parseAppPorts(String text) {
        Set<Integer> ports = new TreeSet<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int port;
            try {
                port = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("--deny-app-ports (CODERMON_DENY_APP_PORTS) must be port numbers"
                        + " 1-65535 separated by commas, was '" + p + "'");
            }
            ports.add(port);
        }
        return ports;
    }

    /** Creates a config with default limits and no admin port. */
    public ProxyConfig(CodermonHome home, String bind, int port, String domain) {
        this(home, bind, port, domain, -1, ProxyLimits.defaults());
    }
}
