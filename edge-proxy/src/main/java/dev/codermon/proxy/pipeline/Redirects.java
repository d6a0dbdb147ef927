package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ErrorResponses;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Builds the proxy's own redirects of its sign-in steps: {@code 302}, never cached, no body, and no
 * {@code Referer} to the next page (sign-in URLs carry one-time tokens and codes), never framed.
 */
final class Redirects {

    private static final AsciiString REFERRER_POLICY = AsciiString.cached("referrer-policy");
    private static final AsciiString NO_REFERRER = AsciiString.cached("no-referrer");

    private Redirects() {
    }

    /**
     * Creates a {@code 302 Found} to the location.
     *
     * @param setCookie a {@code Set-Cookie} value, or null for none
     * @param keepAlive whether the connection stays open afterwards; otherwise says {@code Connection: close}
     */
    public static FullHttpResponse found(String location, String setCookie, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND,
                Unpooled.EMPTY_BUFFER);
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.LOCATION, location);
        if (setCookie != null) {
            headers.set(HttpHeaderNames.SET_COOKIE, setCookie);
        }
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(REFERRER_POLICY, NO_REFERRER)
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, ErrorResponses.FRAME_ANCESTORS_NONE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return response;
    }
}
