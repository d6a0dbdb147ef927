package dev.codermon.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Removes the headers that describe one hop and must not travel on to the next (RFC 9110 §7.6.1). */
public final class HopByHopHeaders {

    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString[] ALWAYS = {
        HttpHeaderNames.PROXY_AUTHORIZATION, PROXY_CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER, HttpHeaderNames.PROXY_AUTHENTICATE,
    };

    private HopByHopHeaders() {
    }

    /**
     * Strips hop-by-hop headers in place.
     *
     * @param webSocketUpgrade keep {@code Upgrade: websocket} and say {@code Connection: Upgrade}
     */
    public static void strip(HttpHeaders headers, boolean webSocketUpgrade) {
        boolean present = headers.contains(HttpHeaderNames.CONNECTION);
        if (present && namesHeaders(headers)) {
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
            headers.remove(HttpHeaderNames.CONNECTION);
        } else if (present) {
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        for (AsciiString name : ALWAYS) {
            headers.remove(name);
        }
        if (webSocketUpgrade) {
            headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
    }

    /** Returns whether a Connection header says more than a lone "keep-alive" or "close". */
    private static boolean namesHeaders(HttpHeaders headers) {
        Iterator<? extends CharSequence> values = headers.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
        while (values.hasNext()) {
            CharSequence value = values.next();
            if (!HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(value)
                    && !HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(value)) {
                return true;
            }
        }
        return false;
    }

    /** Returns whether the message asks to switch to WebSocket. */
    public static boolean isWebSocketUpgrade(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }
}
