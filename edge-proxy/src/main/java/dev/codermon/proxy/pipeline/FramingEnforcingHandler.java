package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.Iterator;
import java.util.Map;
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
    /** The body length of the request {@link #check} last passed, -1 for chunked. */
    private long bodyLength;

    FramingEnforcingHandler(RequestHeadGuard guard, int maxHeaderCount) {
        this.guard = guard;
        this.maxHeaderCount = maxHeaderCount;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // A request head comes as its exchange (made by the tracker), or bare without one (in unit tests).
        Object message = msg instanceof Exchange exchange ? exchange.request : msg;
        if (rejected) {
            ReferenceCountUtil.release(message);
            return;
        }
        Refusal refusal = null;
        if (message instanceof RejectedHead head) {
            refusal = head.refusal();
        } else if (message instanceof HttpObject http && http.decoderResult().isFailure()) {
            log.debug("{} malformed request: {}", ctx.channel(), http.decoderResult().cause().toString());
            refusal = refusalFor(http.decoderResult().cause());
        } else if (message instanceof HttpRequest request) {
            refusal = check(request);
        }
        if (refusal != null) {
            ReferenceCountUtil.release(message);
            reject(ctx, msg, refusal);
            return;
        }
        if (message instanceof HttpRequest) {
            guard.bodyFollows(bodyLength);
        }
        if (msg instanceof LastHttpContent) {
            guard.messageEnded();
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Answers in turn, after the responses to earlier pipelined requests, and closes: the refused
     * request; the request whose body this is (its head went on already); or, for bytes that never
     * became a request, a stand-in after every request so far.
     */
    private void reject(ChannelHandlerContext ctx, Object refused, Refusal refusal) {
        rejected = true;
        guard.rejected();
        log.debug("{} request refused: {}", ctx.channel(), refusal.reason());
        var answer = ErrorResponses.create(ctx.alloc(), refusal, false);
        if (refused instanceof Exchange exchange) {
            Exchanges.answer(ctx.channel(), exchange, answer, true);
        } else if (refused instanceof HttpContent) {
            Exchanges.answerBodyRefusal(ctx.channel(), answer);
        } else {
            Exchanges.answer(ctx.channel(), null, answer, true);
        }
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

    /**
     * Checks the request's framing and, when it passes, leaves its body length (-1 for chunked) in
     * {@link #bodyLength}. One pass over the headers counts Host, Content-Length and Transfer-Encoding.
     */
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
        int hosts = 0;
        int lengths = 0;
        int codings = 0;
        CharSequence length = null;
        CharSequence coding = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            CharSequence name = header.getKey();
            if (name.length() == 4 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
                hosts++;
            } else if (name.length() == 14 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)) {
                lengths++;
                length = header.getValue();
            } else if (name.length() == 17
                    && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                codings++;
                coding = header.getValue();
            }
        }
        if (hosts > 1) {
            // Which one an upstream would use is anyone's guess (RFC 9112 section 3.2).
            return Refusal.DUPLICATE_HOST;
        }
        if (codings > 0 && (lengths > 0 || codings > 1 || !HttpHeaderValues.CHUNKED.contentEquals(coding)
                || version.equals(HttpVersion.HTTP_1_0))) {
            return Refusal.AMBIGUOUS_FRAMING;
        }
        if (lengths > 1 || (lengths == 1 && !isDigits(length))) {
            return Refusal.AMBIGUOUS_FRAMING;
        }
        bodyLength = codings > 0 ? -1 : lengths == 0 ? 0 : Long.parseLong(length.toString());
        return null;
    }

    private static boolean isDigits(CharSequence value) {
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
