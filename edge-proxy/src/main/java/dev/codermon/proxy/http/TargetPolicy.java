package dev.codermon.proxy.http;

import dev.codermon.auth.WorkspaceDomain;
import dev.codermon.auth.route.Route;
import java.util.Set;

/**
 * Decides which targets the proxy may reach: host names under the workspace domain on port 80,
 * nothing else (no IP literals in any notation, no {@code localhost}, no other ports). Deny by default.
 * App hosts ({@link AppHost}) may reach any port inside their workspace except those on the deny list;
 * code-server itself has no port to close (it listens on a unix socket), and its path proxy on a
 * workspace host is closed ({@code pipeline.IdeRequests}).
 */
public final class TargetPolicy {

    /** Ports no app host reaches unless configured otherwise: 22 (ssh). */
    public static final Set<Integer> DEFAULT_DENIED_APP_PORTS = Set.of(22);

    private final WorkspaceDomain domain;
    private final Set<Integer> deniedAppPorts;

    /** Creates the policy for the workspace domain, e.g. {@code codermon.internal}, with the default app deny list. */
    public TargetPolicy(String domain) {
        this(domain, DEFAULT_DENIED_APP_PORTS);
    }

    /** Creates the policy for the workspace domain with the given ports closed to app hosts. */
    public TargetPolicy(String domain, Set<Integer> deniedAppPorts) {
        this.domain = WorkspaceDomain.parse("workspace domain", domain);
        this.deniedAppPorts = Set.copyOf(deniedAppPorts);
    }

    /**
     * Returns why an app host of an (already owner-checked) route is refused, or null if it may be
     * forwarded: denied ports are closed by configuration.
     */
    public Refusal checkApp(AppHost app) {
        if (deniedAppPorts.contains(app.port())) {
            return Refusal.APP_PORT_DENIED;
        }
        return null;
    }

    /** Returns why the target is refused, or null if the proxy may forward to it. */
    public Refusal check(RequestTarget target) {
        String host = target.host();
        if (looksLikeIpLiteral(host)) {
            return Refusal.IP_LITERAL;
        }
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return Refusal.LOCALHOST;
        }
        if (!this.domain.contains(host)) {
            return Refusal.FOREIGN_HOST;
        }
        if (target.effectivePort() != 80) {
            return Refusal.WRONG_PORT;
        }
        return null;
    }

    /** Returns why a CONNECT to this target is refused (port required, 80 or 443), or null if allowed. */
    public Refusal checkConnect(RequestTarget target) {
        boolean webPort = target.port() == 80 || target.port() == 443;
        if (!webPort || check(new RequestTarget(target.host(), RequestTarget.NO_PORT, "/")) != null) {
            return Refusal.CONNECT_TARGET;
        }
        return null;
    }

    /**
     * Recognises IPv6 literals (the only hosts {@link RequestTarget#parseAuthority} lets contain a colon;
     * it refuses brackets around anything else) and every IPv4 notation {@code inet_aton} accepts: one to
     * four parts, each decimal, octal ({@code 0177}) or hexadecimal ({@code 0x7f}), e.g. {@code 2130706433}.
     */
    static boolean looksLikeIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int parts = 0;
        int start = 0;
        while (true) {
            int dot = host.indexOf('.', start);
            int end = dot < 0 ? host.length() : dot;
            if (++parts > 4 || !isNumericPart(host, start, end)) {
                return false;
            }
            if (dot < 0) {
                return true;
            }
            start = dot + 1;
        }
    }

    private static boolean isNumericPart(String host, int from, int to) {
        int length = to - from;
        if (length == 0) {
            return false;
        }
        int start = from;
        boolean hex = length > 1 && host.charAt(from) == '0'
                && (host.charAt(from + 1) == 'x' || host.charAt(from + 1) == 'X');
        if (hex) {
            start = from + 2;
            if (length == 2) {
                return true;
            }
        }
        for (int i = start; i < to; i++) {
            char c = host.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            boolean hexDigit = hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
            if (!digit && !hexDigit) {
                return false;
            }
        }
        return true;
    }
}
