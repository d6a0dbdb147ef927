package dev.codermon.proxy.pipeline;

import java.util.Locale;

/**
 * Decides whether a WebSocket handshake comes from the workspace's own pages: its {@code Origin}
 * must be {@code http://<host>} or {@code https://<host>} (default ports may be spelled out), or
 * absent (tools that are not browsers send none). Browsers attach proxy credentials and cookies to
 * any page's requests, so without this check any site could open a workspace's WebSocket.
 */
final class WebSocketOrigins {

    private WebSocketOrigins() {
    }

    /** Returns whether the Origin header value (null when absent) is acceptable for the host. */
    static boolean allowed(String origin, String host) {
        if (origin == null) {
            return true;
        }
        String o = origin.strip().toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        return o.equals("http://" + h) || o.equals("https://" + h)
                || o.equals("http://" + h + ":80") || o.equals("https://" + h + ":443");
    }
}
