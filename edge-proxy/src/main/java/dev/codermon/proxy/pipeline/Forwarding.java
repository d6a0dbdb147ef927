package dev.codermon.proxy.pipeline;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.ResponseDefences;

/**
 * Says where routing sends a request, as {@link RouteHandler} found it for its {@link Exchange}.
 *
 * @param route      the workspace's route
 * @param originForm the path and query to send upstream
 * @param keepAlive  whether the client keeps its connection after the response (read before forwarding
 *                   strips the client's Connection header, and kept for a retry)
 * @param https      whether the client spoke TLS to the proxy (said upstream as {@code X-Forwarded-Proto})
 * @param defences   what the proxy adds to the response, chosen by the host and path
 * @param appPort    the workspace port an app host names, or -1 for the workspace host itself
 */
record Forwarding(Route route, String originForm, boolean keepAlive, boolean https, ResponseDefences defences,
        int appPort) {
}
