package dev.codermon.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads, removes and sets the proxy's own session cookie. Over plain http it is {@code codermon_session};
 * over TLS (inside a {@code CONNECT :443}) it is {@code __Host-codermon_session}, which browsers accept only
 * {@code Secure}, with {@code Path=/} and no {@code Domain}, so that no other host, a sibling workspace's
 * or an app's, can set one for this host (cookie tossing). Each transport accepts only its own name. The
 * cookie is host-only, {@code HttpOnly} and {@code SameSite=Lax}.
 */
public final class SessionCookie {

    public static final String NAME = "codermon_session";
    /** The name over TLS. */
    public static final String SECURE_NAME = "__Host-codermon_session";
    /**
     * Stands for "more than one session cookie of the accepted name": the browser holds cookies that
     * someone else set too, and the proxy cannot tell which is the user's. Compare by identity.
     */
    public static final String AMBIGUOUS = new String("ambiguous session cookie");

    private SessionCookie() {
    }

    /** Returns whether a cookie name is one of the proxy's session cookie names. */
    static boolean isSessionName(String name) {
        return name.equals(NAME) || name.equals(SECURE_NAME);
    }

    /**
     * Removes every session cookie pair (of either name) from the {@code Cookie} headers, keeping the other
     * cookies as they were, and drops a header left empty.
     *
     * @param tls whether the request came over TLS: then only {@link #SECURE_NAME} is read, else only {@link #NAME}
     * @return the value of the one pair of the accepted name, {@link #AMBIGUOUS} if there were several, or
     *         null if there was none
     */
    public static String strip(HttpHeaders headers, boolean tls) {
        if (!mayHoldSession(headers)) {
            // No pair can be named so: nothing to remove or find (most requests carry only the workspace's cookies).
            return null;
        }
        String accepted = tls ? SECURE_NAME : NAME;
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
                if (isSessionName(name)) {
                    changed = true;
                    if (name.equals(accepted) && found != null) {
                        found = AMBIGUOUS;
                    } else if (name.equals(accepted) && eq >= 0) {
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
            // SECURE_NAME contains NAME: one search finds both.
            if (AsciiString.contains(values.next(), NAME)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns the {@code Set-Cookie} value that opens a session for the request's host: named
     * {@link #SECURE_NAME} and {@code Secure} over TLS, {@link #NAME} otherwise.
     */
    public static String set(String value, Duration maxAge, boolean secure) {
        return (secure ? SECURE_NAME : NAME) + "=" + value + "; Max-Age=" + maxAge.toSeconds()
                + "; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
    }
}
