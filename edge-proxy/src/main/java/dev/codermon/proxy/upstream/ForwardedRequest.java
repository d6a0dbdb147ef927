package dev.codermon.proxy.upstream;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.ResponseDefences;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A request head ready to go upstream: its target is the origin form and its headers are those to
 * forward.
 *
 * @param keepAlive whether the client keeps its connection after the response (read before forwarding
 *                  stripped the client's Connection header)
 * @param webSocket whether it asks for a WebSocket upgrade (read before the Upgrade header was checked)
 * @param defences  what the proxy adds to the response, chosen by the host and path
 */
public record ForwardedRequest(HttpRequest request, Route route, boolean keepAlive, boolean webSocket,
        ResponseDefences defences) {
}
