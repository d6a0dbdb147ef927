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
     * @throws IllegalArgumentException if it is not one
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
     * Parses {@code host[:port]} as found in a {@code Host} header or a {@code CONNECT} request.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static RequestTarget parseAuthority(String authority) {
        if (authority == null || authority.isEmpty() || authority.indexOf('@') >= 0) {
            throw new IllegalArgumentException("bad authority");
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("bad IPv6 literal");
            }
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("bad authority");
                }
                portText = after.substring(1);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon >= 0 && authority.indexOf(':') != colon) {
                // A bare IPv6 literal: keep it whole so that the policy can name it.
                host = authority;
            } else if (colon >= 0) {
                host = authority.substring(0, colon);
                portText = authority.substring(colon + 1);
            } else {
                host = authority;
            }
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        return new RequestTarget(host.toLowerCase(Locale.ROOT), parsePort(portText), "/");
    }

    private static int parsePort(String text) {
        if (text == null) {
            return NO_PORT;
        }
        if (text.isEmpty() || text.length() > 5) {
            throw new IllegalArgumentException("bad port");
        }
        int port = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("bad port");
            }
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad port");
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
