package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.Route;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Carries a request head that may be forwarded to the route's upstream.
 *
 * @param originForm the path and query to send upstream
 * @param keepAlive  whether the client keeps its connection after the response (read before forwarding
 *                   strips the client's Connection header, and kept for a retry)
 */
record RoutedRequest(HttpRequest request, Principal principal, Route route, String originForm, boolean keepAlive) {
}
