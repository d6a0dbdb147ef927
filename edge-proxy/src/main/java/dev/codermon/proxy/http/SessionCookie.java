package dev.codermon.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads, removes and sets the proxy's own session cookie ({@code codermon_session}). The cookie is
 * host-only (no {@code Domain}), {@code HttpOnly}, {@code SameSite=Lax}, and {@code Secure} over TLS.
 */
public final class SessionCookie {

    public static final String NAME = "codermon_session";

    private SessionCookie() {
    }

    /**
     * Removes every {@code codermon_session} pair from the {@code Cookie} headers, keeping the other
     * cookies as they were, and drops a header left empty.
     *
     * @return the first value found, or null if there was none
     */
    public static String strip(HttpHeaders headers) {
        if (!mayHoldSession(headers)) {
            // No pair can be named so: nothing to remove or find (most requests carry only the workspace's cookies).
            return null;
        }
        List<String> values = headers.getAll(HttpHeaderNames.COOKIE);
        String found = null;
        boolean changed = false;
        List<String> kept = new ArrayList<>(values.size());
        for (String header : values) {
            StringBuilder rest = new StringBuilder(header.length());
            for (String pair : header.split(";")) {
                String trimmed = pair.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                int eq = trimmed.indexOf('=');
                String name = eq < 0 ? trimmed : trimmed.substring(0, eq).strip();
                if (name.equals(NAME)) {
                    changed = true;
                    if (found == null && eq >= 0) {
                        found = unquote(trimmed.substring(eq + 1).strip());
                    }
                    continue;
                }
                if (rest.length() > 0) {
                    rest.append("; ");
                }
                rest.append(trimmed);
            }
            if (rest.length() > 0) {
                kept.add(rest.toString());
            }
        }
        if (changed) {
            headers.remove(HttpHeaderNames.COOKIE);
            for (String header : kept) {
                headers.add(HttpHeaderNames.COOKIE, header);
            }
        }
        return found;
    }

    /** Returns whether a {@code Cookie} header mentions the name at all (no list, no stream: every request asks). */
    private static boolean mayHoldSession(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.COOKIE)) {
            return false;
        }
        Iterator<? extends CharSequence> values = headers.valueCharSequenceIterator(HttpHeaderNames.COOKIE);
        while (values.hasNext()) {
            if (AsciiString.contains(values.next(), NAME)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the {@code Set-Cookie} value that opens a session for the request's host. */
    public static String set(String value, Duration maxAge, boolean secure) {
        return NAME + "=" + value + "; Max-Age=" + maxAge.toSeconds() + "; Path=/; HttpOnly; SameSite=Lax"
                + (secure ? "; Secure" : "");
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
    }
}
