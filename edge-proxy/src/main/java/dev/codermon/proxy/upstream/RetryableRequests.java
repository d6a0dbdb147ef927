package dev.codermon.proxy.upstream;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Tells which requests the proxy may send upstream once more when the first try got no usable answer:
 * idempotent ones (GET, HEAD, OPTIONS; RFC 9110 section 9.2.2) without a body, and no WebSocket upgrade.
 */
final class RetryableRequests {

    private RetryableRequests() {
    }

    /**
     * Returns whether the request may be sent again.
     *
     * @param webSocket whether it asks for a WebSocket upgrade, which the caller has already looked up
     */
    public static boolean isRetryable(HttpRequest request, boolean webSocket) {
        HttpMethod method = request.method();
        boolean idempotent = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)
                || HttpMethod.OPTIONS.equals(method);
        return !webSocket && idempotent && !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) == 0;
    }
}
