package dev.codermon.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Removes the headers that describe one hop and must not travel on to the next (RFC 9110 §7.6.1) and, on
 * requests, every forwarding header a client sent ({@code Forwarded}, {@code X-Forwarded-*}, {@code X-Real-IP}),
 * replacing them with the proxy's own: code-server routes by {@code X-Forwarded-Host} before {@code Host} and
 * compares {@code Origin} with it, so a client's own would pick another host behind the proxy's check.
 */
public final class HopByHopHeaders {

    public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString HTTPS = AsciiString.cached("https");
    public static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    private static final AsciiString X_FORWARDED_PREFIX = AsciiString.cached("x-forwarded-");

    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final int CONNECTION = 0;
    private static final int UPGRADE = 1;
    private static final int PROXY_AUTHORIZATION = 2;
    private static final int PROXY_CONNECTION_INDEX = 3;
    private static final int KEEP_ALIVE = 4;
    private static final int TE = 5;
    private static final int TRAILER = 6;
    private static final int PROXY_AUTHENTICATE = 7;
    /** Every header removed; indexed by the constants above. */
    private static final AsciiString[] NAMES = {
        HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE, HttpHeaderNames.PROXY_AUTHORIZATION, PROXY_CONNECTION,
        HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.PROXY_AUTHENTICATE,
    };

    private HopByHopHeaders() {
    }

    /**
     * Strips a request's hop-by-hop headers and every client-sent forwarding header, then says what the
     * proxy verified: {@code X-Forwarded-Host} (the checked {@code Host}, as forwarded),
     * {@code X-Forwarded-Proto} and {@code X-Forwarded-For}. One pass finds both kinds; a request without
     * forwarding headers (the usual case) costs no more than before plus three sets.
     *
     * @param https         whether the client spoke TLS to the proxy (a terminated {@code CONNECT :443})
     * @param clientAddress the client's address as the proxy saw it
     */
    public static void stripRequest(HttpHeaders headers, boolean webSocket, boolean https, CharSequence clientAddress) {
        if (strip(headers, webSocket, true)) {
            List<CharSequence> forwarding = new ArrayList<>(2);
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext();) {
                CharSequence name = it.next().getKey();
                if (isForwarding(name)) {
                    forwarding.add(name);
                }
            }
            for (CharSequence name : forwarding) {
                headers.remove(name);
            }
        }
        CharSequence host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        }
        headers.set(X_FORWARDED_PROTO, https ? HTTPS : HTTP);
        headers.set(X_FORWARDED_FOR, clientAddress);
    }

    /** Returns whether a header name is a forwarding header: {@code Forwarded}, {@code X-Forwarded-*} or {@code X-Real-IP}. */
    static boolean isForwarding(CharSequence name) {
        int length = name.length();
        if (length == 9) {
            return AsciiString.contentEqualsIgnoreCase(name, FORWARDED) || AsciiString.contentEqualsIgnoreCase(name, X_REAL_IP);
        }
        return length >= 12 && (name.charAt(0) | 0x20) == 'x'
                && AsciiString.regionMatches(name, true, 0, X_FORWARDED_PREFIX, 0, X_FORWARDED_PREFIX.length());
    }

    /**
     * Strips hop-by-hop headers in place. One pass over the headers finds which are present, so that a
     * message without them (the usual case, bar {@code Connection}) costs no lookups by name.
     *
     * @param webSocketUpgrade keep {@code Upgrade: websocket} and say {@code Connection: Upgrade}
     */
    public static void strip(HttpHeaders headers, boolean webSocketUpgrade) {
        strip(headers, webSocketUpgrade, false);
    }

    /** Strips hop-by-hop headers; returns whether a forwarding header is present (looked for only if asked). */
    private static boolean strip(HttpHeaders headers, boolean webSocketUpgrade, boolean findForwarding) {
        int present = 0;
        boolean namesOthers = false;
        boolean forwarding = false;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            int which = indexOf(header.getKey());
            if (which < 0) {
                forwarding |= findForwarding && isForwarding(header.getKey());
            } else {
                present |= 1 << which;
                namesOthers |= which == CONNECTION && !HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(
                        header.getValue()) && !HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(header.getValue());
            }
        }
        if (namesOthers) {
            // Named headers to drop too; the usual lone "keep-alive" or "close" names none.
            List<String> named = new ArrayList<>(2);
            for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : value.split(",")) {
                    String name = token.strip();
                    if (!name.isEmpty()) {
                        named.add(name);
                    }
                }
            }
            for (String name : named) {
                headers.remove(name);
            }
        }
        for (int i = 0; i < NAMES.length; i++) {
            if ((present & (1 << i)) != 0 && !(webSocketUpgrade && i == UPGRADE)) {
                headers.remove(NAMES[i]);
            }
        }
        if (webSocketUpgrade) {
            headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        return forwarding;
    }

    /** Returns the index of a hop-by-hop header name in {@link #NAMES}, or -1; by length first. */
    private static int indexOf(CharSequence name) {
        int index = switch (name.length()) {
            case 2 -> TE;
            case 7 -> (name.charAt(0) | 0x20) == 'u' ? UPGRADE : TRAILER;
            case 10 -> (name.charAt(0) | 0x20) == 'c' ? CONNECTION : KEEP_ALIVE;
            case 16 -> PROXY_CONNECTION_INDEX;
            case 18 -> PROXY_AUTHENTICATE;
            case 19 -> PROXY_AUTHORIZATION;
            default -> -1;
        };
        return index >= 0 && AsciiString.contentEqualsIgnoreCase(name, NAMES[index]) ? index : -1;
    }

    /** Returns whether the message asks to switch to WebSocket. */
    public static boolean isWebSocketUpgrade(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }
}
