package dev.codermon.proxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;

/**
 * Builds the proxy's own plain-text answers, always framed by {@code Content-Length}, and sends those that
 * end a connection.
 */
public final class ErrorResponses {

    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
    private static final AsciiString PROXY_CHALLENGE = AsciiString.cached("Basic realm=\"codermon\"");
    /** The proxy's own answers are never framed by anyone. */
    public static final AsciiString FRAME_ANCESTORS_NONE = AsciiString.cached("frame-ancestors 'none'");

    private ErrorResponses() {
    }

    /** Answers with the refusal and closes the connection once the answer is written (or failed to be). */
    public static void sendAndClose(Channel channel, Refusal refusal) {
        channel.writeAndFlush(create(channel.alloc(), refusal, false)).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Creates the answer for a refusal.
     *
     * @param keepAlive whether the connection stays open afterwards; otherwise says {@code Connection: close}
     */
    public static FullHttpResponse create(ByteBufAllocator alloc, Refusal refusal, boolean keepAlive) {
        return create(alloc, refusal, refusal.reason(), keepAlive);
    }

    /**
     * Creates the answer for a refusal whose body says more than its (metrics and log) reason, e.g. a
     * port number.
     */
    public static FullHttpResponse create(ByteBufAllocator alloc, Refusal refusal, String text, boolean keepAlive) {
        FullHttpResponse response = new RefusalResponse(refusal, ByteBufUtil.writeUtf8(alloc, text + "\n"));
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        headers.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, FRAME_ANCESTORS_NONE);
        headers.set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        if (refusal.status().code() == HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED.code()) {
            headers.set(HttpHeaderNames.PROXY_AUTHENTICATE, PROXY_CHALLENGE);
        }
        return response;
    }
}
