package dev.codermon.proxy.http;

import dev.codermon.auth.route.Route;
import java.util.Locale;
import java.util.Set;

/**
 * Decides which targets the proxy may reach: host names under the workspace domain on port 80,
 * nothing else (no IP literals in any notation, no {@code localhost}, no other ports). Deny by default.
 * App hosts ({@link AppHost}) may reach any port inside their workspace except code-server's own and
 * the deny list.
 */
public final class TargetPolicy {

    /** code-server's port inside a workspace container; an app host for it would make code-server proxy to itself. */
    public static final int CONTAINER_CODE_SERVER_PORT = 8080;
    /** Ports no app host reaches unless configured otherwise: 22 (ssh). */
    public static final Set<Integer> DEFAULT_DENIED_APP_PORTS = Set.of(22);

    private final String domainSuffix;
    private final Set<Integer> deniedAppPorts;

    /** Creates the policy for the workspace domain, e.g. {@code codermon.internal}, with the default app deny list. */
    public TargetPolicy(String domain) {
        this(domain, DEFAULT_DENIED_APP_PORTS);
    }

    /** Creates the policy for the workspace domain with the given ports closed to app hosts. */
    public TargetPolicy(String domain, Set<Integer> deniedAppPorts) {
        this.domainSuffix = "." + domain.toLowerCase(Locale.ROOT);
        this.deniedAppPorts = Set.copyOf(deniedAppPorts);
    }

    /**
     * Returns why an app host of this (already owner-checked) route is refused, or null if it may be
     * forwarded: code-server's own port (the route's upstream port for local processes, 8080 in a
     * container) would loop code-server into itself; denied ports are closed by configuration.
     */
    public Refusal checkApp(AppHost app, Route route) {
        if (app.port() == route.upstreamPort() || app.port() == CONTAINER_CODE_SERVER_PORT) {
            return Refusal.APP_PORT_CODE_SERVER;
        }
        if (deniedAppPorts.contains(app.port())) {
            return Refusal.APP_PORT_DENIED;
        }
        return null;
    }

    /**
     * Returns why a workspace-host path is refused, or null: code-server's path proxy
     * ({@code /proxy/<port>/...} and {@code /absproxy/<port>/...}) reaches the same ports as app hosts
     * do, so it is held to the same closed ports. code-server matches these routes case-insensitively
     * and percent-decodes the port, and so does this check; a port that is not a plain number is refused.
     */
    public Refusal checkPathProxy(String originForm, Route route) {
        int start = originForm.regionMatches(true, 0, "/proxy/", 0, 7) ? 7
                : originForm.regionMatches(true, 0, "/absproxy/", 0, 10) ? 10 : -1;
        if (start < 0) {
            return null;
        }
        int end = start;
        while (end < originForm.length() && originForm.charAt(end) != '/' && originForm.charAt(end) != '?') {
            end++;
        }
        String segment = percentDecode(originForm.substring(start, end));
        if (segment == null || segment.isEmpty() || segment.length() > 10 || !segment.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Refusal.APP_PORT_DENIED;
        }
        long port = Long.parseLong(segment);
        if (port < 1 || port > 65535) {
            return Refusal.APP_PORT_DENIED;
        }
        return checkApp(new AppHost((int) port, route.hostname()), route);
    }

    /** Decodes %XX escapes of an ASCII path segment; null if one is malformed or not ASCII. */
    private static String percentDecode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        StringBuilder out = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 2 >= segment.length()) {
                return null;
            }
            int hi = Character.digit(segment.charAt(i + 1), 16);
            int lo = Character.digit(segment.charAt(i + 2), 16);
            if (hi < 0 || lo < 0 || hi * 16 + lo > 0x7f) {
                return null;
            }
            out.append((char) (hi * 16 + lo));
            i += 2;
        }
        return out.toString();
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
        if (!isWorkspaceHost(host)) {
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

    private boolean isWorkspaceHost(String host) {
        if (host.length() <= domainSuffix.length() || !host.endsWith(domainSuffix)) {
            return false;
        }
        int labelsEnd = host.length() - domainSuffix.length();
        int start = 0;
        while (true) {
            int dot = host.indexOf('.', start);
            int end = dot < 0 || dot > labelsEnd ? labelsEnd : dot;
            if (!isDnsLabel(host, start, end)) {
                return false;
            }
            if (end == labelsEnd) {
                return true;
            }
            start = end + 1;
        }
    }

    /** Checks {@code host[from, to)}; scans in place, since this runs for every request. */
    private static boolean isDnsLabel(String host, int from, int to) {
        int length = to - from;
        if (length == 0 || length > 63 || host.charAt(from) == '-' || host.charAt(to - 1) == '-') {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = host.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
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
