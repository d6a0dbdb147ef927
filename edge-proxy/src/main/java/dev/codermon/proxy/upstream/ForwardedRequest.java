package dev.codermon.proxy.upstream;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.http.HopByHopHeaders;
import dev.codermon.proxy.http.ResponseDefences;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * A request head ready to go upstream: its target is the origin form and its headers are those to
 * forward.
 *
 * @param keepAlive whether the client keeps its connection after the response (read before forwarding
 *                  stripped the client's Connection header)
 * @param webSocket whether it asks for a WebSocket upgrade (read before the Upgrade header was checked)
 * @param defences  what the proxy adds to the response, chosen by the host and path
 * @param appPort   the workspace port an app host names, or -1 for the workspace host itself
 */
public record ForwardedRequest(HttpRequest request, Route route, boolean keepAlive, boolean webSocket,
        ResponseDefences defences, int appPort) {

    /** Returns whether the request, as forwarded, lets the upstream keep the connection. */
    boolean letsUpstreamKeepAlive() {
        return !webSocket && HttpUtil.isKeepAlive(request);
    }

    /** Returns whether the request may be sent once more on a new connection ({@link RetryableRequests}). */
    boolean retryable() {
        return RetryableRequests.isRetryable(request, webSocket);
    }

    /** Returns whether the response's body ends only when the upstream closes (no length, not chunked). */
    boolean needsFraming(HttpResponse response) {
        int code = response.status().code();
        return !HttpMethod.HEAD.equals(request.method()) && code != 204 && code != 304
                && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response);
    }

    /** Gives a response head (not a 101) the headers the client must see. */
    void prepareResponse(HttpResponse response, boolean informational, boolean unframed) {
        HopByHopHeaders.strip(response.headers(), false);
        if (!informational) {
            defences.apply(response.headers());
        }
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (unframed) {
            // A close-delimited body would end the client connection too: re-frame it as chunked.
            HttpUtil.setTransferEncodingChunked(response, true);
        }
    }
}
