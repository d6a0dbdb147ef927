package dev.codermon.proxy.pipeline;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;

/**
 * Tells a browser navigation (a page the person asked for, which may be redirected to a sign-in step)
 * from everything else a page loads (scripts, XHR and fetch, WebSockets), which must not be.
 */
final class BrowserNavigation {

    private static final AsciiString SEC_FETCH_MODE = AsciiString.cached("sec-fetch-mode");
    private static final String NAVIGATE = "navigate";
    private static final String TEXT_HTML = "text/html";

    private BrowserNavigation() {
    }

    /**
     * Returns whether the request is a navigation: a GET or HEAD without {@code Upgrade}, whose
     * {@code Sec-Fetch-Mode} is {@code navigate} or, from a client that does not send
     * {@code Sec-Fetch-Mode}, whose {@code Accept} names {@code text/html}. A fetch or XHR that
     * asks for HTML still says {@code Sec-Fetch-Mode: cors} (or {@code same-origin}, {@code no-cors})
     * and is not one.
     */
    static boolean isNavigation(HttpRequest request) {
        HttpMethod method = request.method();
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
            return false;
        }
        HttpHeaders headers = request.headers();
        if (headers.contains(HttpHeaderNames.UPGRADE)) {
            return false;
        }
        String mode = headers.get(SEC_FETCH_MODE);
        if (mode != null) {
            return mode.strip().equalsIgnoreCase(NAVIGATE);
        }
        for (String accept : headers.getAll(HttpHeaderNames.ACCEPT)) {
            if (AsciiString.indexOfIgnoreCaseAscii(accept, TEXT_HTML, 0) >= 0) {
                return true;
            }
        }
        return false;
    }
}
