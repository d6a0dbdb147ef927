package dev.codermon.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Removes the headers that describe one hop and must not travel on to the next (RFC 9110 §7.6.1). */
public final class HopByHopHeaders {

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
     * Strips hop-by-hop headers in place. One pass over the headers finds which are present, so that a
     * message without them (the usual case, bar {@code Connection}) costs no lookups by name.
     *
     * @param webSocketUpgrade keep {@code Upgrade: websocket} and say {@code Connection: Upgrade}
     */
    public static void strip(HttpHeaders headers, boolean webSocketUpgrade) {
        int present = 0;
        boolean namesOthers = false;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            int which = indexOf(header.getKey());
            if (which >= 0) {
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
