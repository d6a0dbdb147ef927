package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces unambiguous HTTP/1.1 request framing right after the decoder, so that the proxy and every
 * upstream agree on where each request ends (no request smuggling). It has one reject path: anything
 * the decoder marked as failed (Netty runs with strict line parsing, header validation and no duplicate
 * Content-Length), anything {@link RequestHeadGuard} saw in the raw bytes, and the checks below are
 * answered with 400/414/431/408 and the connection is closed, dropping whatever follows.
 *
 * <p>Checked here: Transfer-Encoding and Content-Length together; more than one Transfer-Encoding or
 * any value other than exactly {@code chunked}; Transfer-Encoding on HTTP/1.0; more than one or a
 * non-numeric Content-Length; more than one Host; an HTTP version other than 1.0 and 1.1; too many header
 * fields; control characters or spaces in the target.
 */
final class FramingEnforcingHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FramingEnforcingHandler.class);

    private final RequestHeadGuard guard;
    private final int maxHeaderCount;
    private boolean rejected;

    FramingEnforcingHandler(RequestHeadGuard guard, int maxHeaderCount) {
        this.guard = guard;
        this.maxHeaderCount = maxHeaderCount;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Refusal refusal = null;
        if (msg instanceof RejectedHead head) {
            refusal = head.refusal();
        } else if (msg instanceof HttpObject http && http.decoderResult().isFailure()) {
            log.debug("{} malformed request: {}", ctx.channel(), http.decoderResult().cause().toString());
            refusal = refusalFor(http.decoderResult().cause());
        } else if (msg instanceof HttpRequest request) {
            refusal = check(request);
        }
        if (refusal != null) {
            ReferenceCountUtil.release(msg);
            reject(ctx, refusal);
            return;
        }
        if (msg instanceof HttpRequest request) {
            guard.bodyFollows(bodyLength(request));
        }
        if (msg instanceof LastHttpContent) {
            guard.messageEnded();
        }
        ctx.fireChannelRead(msg);
    }

    private void reject(ChannelHandlerContext ctx, Refusal refusal) {
        rejected = true;
        guard.rejected();
        log.debug("{} request refused: {}", ctx.channel(), refusal.reason());
        ctx.writeAndFlush(ErrorResponses.create(ctx.alloc(), refusal, false)).addListener(ChannelFutureListener.CLOSE);
    }

    private static Refusal refusalFor(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return Refusal.REQUEST_LINE_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return Refusal.HEADERS_TOO_LARGE;
        }
        String message = String.valueOf(cause.getMessage());
        if (message.contains("Content-Length") || message.contains("chunked")) {
            return Refusal.AMBIGUOUS_FRAMING;
        }
        return Refusal.MALFORMED_REQUEST;
    }

    private Refusal check(HttpRequest request) {
        HttpHeaders headers = request.headers();
        if (headers.size() > maxHeaderCount) {
            return Refusal.TOO_MANY_HEADERS;
        }
        if (!isCleanTarget(request.uri())) {
            return Refusal.BAD_REQUEST_TARGET;
        }
        HttpVersion version = request.protocolVersion();
        if (!version.equals(HttpVersion.HTTP_1_1) && !version.equals(HttpVersion.HTTP_1_0)) {
            return Refusal.HTTP_VERSION;
        }
        if (headers.getAll(HttpHeaderNames.HOST).size() > 1) {
            // Which one an upstream would use is anyone's guess (RFC 9112 section 3.2).
            return Refusal.DUPLICATE_HOST;
        }
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty() && (!lengths.isEmpty() || codings.size() > 1
                || !HttpHeaderValues.CHUNKED.contentEquals(codings.get(0))
                || request.protocolVersion().equals(HttpVersion.HTTP_1_0))) {
            return Refusal.AMBIGUOUS_FRAMING;
        }
        if (lengths.size() > 1 || (lengths.size() == 1 && !isDigits(lengths.get(0)))) {
            return Refusal.AMBIGUOUS_FRAMING;
        }
        return null;
    }

    private static long bodyLength(HttpRequest request) {
        if (request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return -1;
        }
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        return length == null ? 0 : Long.parseLong(length);
    }

    private static boolean isDigits(String value) {
        if (value.isEmpty() || value.length() > 18) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isCleanTarget(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return !uri.isEmpty();
    }
}
