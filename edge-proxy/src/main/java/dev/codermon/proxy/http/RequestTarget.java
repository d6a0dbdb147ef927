package dev.codermon.proxy.http;

import java.util.Locale;

/**
 * Holds where a request wants to go: a lower-case host, a port (or {@link #NO_PORT}) and the
 * origin-form path to send upstream.
 *
 * @param host       lower-case host, without brackets for IPv6 literals and without a trailing dot
 * @param port       explicit port, or {@link #NO_PORT}
 * @param originForm path and query to send upstream, always starting with {@code /}
 */
public record RequestTarget(String host, int port, String originForm) {

    public static final int NO_PORT = -1;
    private static final String HTTP_SCHEME = "http://";

    /** Returns the port a client means, 80 when none is given. */
    public int effectivePort() {
        return port == NO_PORT ? 80 : port;
    }

    /** Returns whether the URI is in absolute form ({@code scheme://...}) rather than origin form. */
    public static boolean isAbsoluteForm(String uri) {
        return !uri.startsWith("/") && uri.contains("://");
    }

    /**
     * Parses an absolute-form {@code http://} request URI.
     *
     * @throws MalformedAuthorityException if its authority is malformed ({@link #parseAuthority})
     * @throws IllegalArgumentException if it is not an {@code http://} URL
     */
    public static RequestTarget parseAbsolute(String uri) {
        if (!uri.regionMatches(true, 0, HTTP_SCHEME, 0, HTTP_SCHEME.length())) {
            throw new IllegalArgumentException("not an http:// URL");
        }
        int start = HTTP_SCHEME.length();
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        RequestTarget authority = parseAuthority(uri.substring(start, end));
        String rest = uri.substring(end);
        int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }
        String path = rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
        return new RequestTarget(authority.host, authority.port, path);
    }

    /**
     * Parses {@code host[:port]} as found in a {@code Host} header or a {@code CONNECT} request. The host
     * is a registered name or IPv4 address (RFC 3986 {@code reg-name}: letters, digits, {@code -._~},
     * sub-delimiters and percent escapes; the policy decides which of those it reaches) or an IPv6 literal
     * in brackets. Brackets around anything else, a bare IPv6 address, user info, an empty host and a
     * port that is not 1-65535 are malformed: they are refused, never matched as a name.
     *
     * @throws MalformedAuthorityException if it is not one
     */
    public static RequestTarget parseAuthority(String authority) {
        if (authority == null || authority.isEmpty()) {
            throw new MalformedAuthorityException("empty authority");
        }
        String host;
        String portText = null;
        if (authority.charAt(0) == '[') {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new MalformedAuthorityException("unclosed bracket");
            }
            host = authority.substring(1, close);
            if (!isIpv6Literal(host)) {
                // Brackets hold IPv6 literals only: "[main.alice.codermon.internal]" is no name.
                throw new MalformedAuthorityException("brackets around something other than an IPv6 address");
            }
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (after.charAt(0) != ':') {
                    throw new MalformedAuthorityException("text after the IPv6 literal");
                }
                portText = after.substring(1);
            }
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
            if (!isRegName(host)) {
                throw new MalformedAuthorityException("not a host name");
            }
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
        }
        if (host.isEmpty()) {
            throw new MalformedAuthorityException("empty host");
        }
        return new RequestTarget(host.toLowerCase(Locale.ROOT), parsePort(portText), "/");
    }

    /**
     * Signals an authority that is not {@code host[:port]} with a well-formed host; the proxy answers
     * it with {@link Refusal#MALFORMED_HOST}.
     */
    public static final class MalformedAuthorityException extends IllegalArgumentException {

        MalformedAuthorityException(String message) {
            super(message);
        }
    }

    /** Returns whether {@code host} is a non-empty RFC 3986 {@code reg-name} (which includes IPv4 dotted forms). */
    private static boolean isRegName(String host) {
        if (host.isEmpty()) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '%') {
                if (i + 2 >= host.length() || !isHex(host.charAt(i + 1)) || !isHex(host.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (!isUnreserved(c) && "!$&'()*+,;=".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns whether the text between brackets is an IPv6 address (RFC 4291 text form, the last 32 bits
     * optionally dotted IPv4), optionally with an RFC 6874 zone ({@code %25} and unreserved characters).
     */
    static boolean isIpv6Literal(String text) {
        String address = text;
        int zone = text.indexOf('%');
        if (zone >= 0) {
            String id = text.substring(zone);
            if (!id.startsWith("%25") || id.length() == 3 || !id.substring(3).chars().allMatch(c -> isUnreserved((char) c))) {
                return false;
            }
            address = text.substring(0, zone);
        }
        int compressed = address.indexOf("::");
        if (compressed >= 0 && address.indexOf("::", compressed + 1) >= 0) {
            return false;
        }
        if (compressed < 0) {
            return countGroups(address, true) == 8;
        }
        int before = compressed == 0 ? 0 : countGroups(address.substring(0, compressed), false);
        String tail = address.substring(compressed + 2);
        int after = tail.isEmpty() ? 0 : countGroups(tail, true);
        return before >= 0 && after >= 0 && before + after <= 7;
    }

    /**
     * Counts the 16-bit groups of colon-separated hex groups, the last of which may be a dotted IPv4
     * address (two groups) if the part ends the address; -1 if malformed.
     */
    private static int countGroups(String part, boolean endsAddress) {
        String[] groups = part.split(":", -1);
        int count = 0;
        for (int i = 0; i < groups.length; i++) {
            String g = groups[i];
            if (endsAddress && i == groups.length - 1 && g.indexOf('.') >= 0) {
                if (!isDottedQuad(g)) {
                    return -1;
                }
                count += 2;
            } else if (g.isEmpty() || g.length() > 4 || !g.chars().allMatch(c -> isHex((char) c))) {
                return -1;
            } else {
                count++;
            }
        }
        return count;
    }

    private static boolean isDottedQuad(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int parsePort(String text) {
        if (text == null) {
            return NO_PORT;
        }
        if (text.isEmpty() || text.length() > 5) {
            throw new MalformedAuthorityException("bad port");
        }
        int port = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new MalformedAuthorityException("bad port");
            }
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) {
            throw new MalformedAuthorityException("bad port");
        }
        return port;
    }

    /** Returns {@code host} or {@code host:port}, as a {@code Host} header names it. */
    public String authority() {
        return port == NO_PORT ? host : host + ":" + port;
    }

    /** Returns whether both name the same host and effective port. */
    public boolean sameAuthority(RequestTarget other) {
        return host.equals(other.host) && effectivePort() == other.effectivePort();
    }
}
