package dev.codermon.proxy.upstream;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.Refusal;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on an upstream connection between the codec and the response handler and turns code-server's
 * answer for an app port with nothing listening ({@code 500} with the body {@code connect ECONNREFUSED
 * ...}) into waiting: an idempotent request without a body (GET, HEAD, OPTIONS) is sent again on the
 * same connection with a growing pause, for up to {@link #RETRY_WINDOW_MILLIS}, so an app that restarts
 * on save is waited for; anything else, and a request still refused at the end, gets a 502 that says
 * nothing is listening on that port yet. Requests to workspace hosts pass untouched. Requests come as
 * {@link ForwardedRequest}s, which name their app port (parsed once, when the request was routed).
 */
final class AppRetryHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(AppRetryHandler.class);

    static final long RETRY_WINDOW_MILLIS = 5_000;
    static final long LONGEST_PAUSE_MILLIS = 1_000;
    /** code-server's error bodies are one short line; anything longer is the app's own answer. */
    private static final int MAX_HELD_BODY = 256;
    private static final String REFUSED_PREFIX = "connect ECONNREFUSED";

    private final ArrayDeque<AppExchange> exchanges = new ArrayDeque<>();
    private HttpResponse heldHead;
    private ByteBuf heldBody;
    private boolean informational;
    /** Drops what is left of a response already replaced by the proxy's own answer. */
    private boolean discarding;
    private ScheduledFuture<?> retry;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ForwardedRequest forwarded) {
            if (retry != null) {
                // A later request would overtake the retry: answer the waiting one now, in order.
                giveUp(ctx);
            }
            exchanges.add(AppExchange.of(forwarded));
            ctx.write(forwarded.request(), promise);
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discarding) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof LastHttpContent) {
                discarding = false;
            }
            return;
        }
        if (heldHead != null && msg instanceof HttpContent content) {
            hold(ctx, content);
            return;
        }
        if (msg instanceof HttpResponse response) {
            AppExchange exchange = exchanges.peek();
            informational = response.status().code() / 100 == 1;
            if (exchange != null && exchange.appPort > 0 && !(response instanceof HttpContent)
                    && mayBeRefusal(response)) {
                if (response.status().reasonPhrase().startsWith(REFUSED_PREFIX)) {
                    // A refused WebSocket: code-server writes the error as the status line and closes.
                    discarding = true;
                    answerNotListening(ctx, exchanges.poll());
                    return;
                }
                heldHead = response;
                heldBody = ctx.alloc().buffer();
                return;
            }
        }
        pass(ctx, msg);
    }

    private static boolean mayBeRefusal(HttpResponse response) {
        return response.status().code() == 500 && !response.headers().contains(HttpHeaderNames.CONTENT_TYPE)
                && HttpUtil.getContentLength(response, 0L) <= MAX_HELD_BODY;
    }

    private void pass(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LastHttpContent && !informational) {
            exchanges.poll();
        }
        ctx.fireChannelRead(msg);
    }

    private void hold(ChannelHandlerContext ctx, HttpContent content) {
        ByteBuf in = content.content();
        if (heldBody.readableBytes() + in.readableBytes() > MAX_HELD_BODY) {
            // Not code-server's one-line error: hand over what was held, then the rest as it comes.
            HttpResponse head = heldHead;
            ByteBuf body = heldBody;
            heldHead = null;
            heldBody = null;
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(new DefaultHttpContent(body));
            pass(ctx, content);
            return;
        }
        heldBody.writeBytes(in);
        content.release();
        if (content instanceof LastHttpContent) {
            decide(ctx);
        }
    }

    private void decide(ChannelHandlerContext ctx) {
        HttpResponse head = heldHead;
        ByteBuf body = heldBody;
        heldHead = null;
        heldBody = null;
        AppExchange exchange = exchanges.peek();
        boolean refused = exchange.head ? body.readableBytes() == 0 && onlyConnectionHeaders(head)
                : body.toString(StandardCharsets.UTF_8).startsWith(REFUSED_PREFIX);
        if (!refused) {
            ctx.fireChannelRead(head);
            pass(ctx, new DefaultLastHttpContent(body));
            return;
        }
        body.release();
        ReferenceCountUtil.release(head);
        long now = System.nanoTime();
        if (exchange.retryable != null && exchange.deadline == 0) {
            exchange.deadline = now + TimeUnit.MILLISECONDS.toNanos(RETRY_WINDOW_MILLIS);
        }
        boolean mayRetry = exchange.retryable != null && exchanges.size() == 1 && ctx.channel().isActive()
                && now + TimeUnit.MILLISECONDS.toNanos(exchange.pause) - exchange.deadline < 0;
        if (!mayRetry) {
            answerNotListening(ctx, exchanges.poll());
            return;
        }
        log.debug("{} nothing listens on app port {} yet, retrying in {} ms", ctx.channel(), exchange.appPort,
                exchange.pause);
        long pause = exchange.pause;
        exchange.pause = Math.min(exchange.pause * 2, LONGEST_PAUSE_MILLIS);
        retry = ctx.executor().schedule(() -> {
            retry = null;
            if (ctx.channel().isActive() && exchanges.peek() == exchange) {
                ctx.write(AppExchange.copy(exchange.retryable));
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }, pause, TimeUnit.MILLISECONDS);
    }

    /** Tells HEAD's bodiless 500 from code-server's proxy (date and connection headers only) from an app's. */
    private static boolean onlyConnectionHeaders(HttpResponse head) {
        for (var name : head.headers().names()) {
            String n = name.toLowerCase(Locale.ROOT);
            if (!n.equals("date") && !n.equals("connection") && !n.equals("keep-alive")) {
                return false;
            }
        }
        return true;
    }

    private void giveUp(ChannelHandlerContext ctx) {
        retry.cancel(false);
        retry = null;
        answerNotListening(ctx, exchanges.poll());
    }

    private static void answerNotListening(ChannelHandlerContext ctx, AppExchange exchange) {
        log.debug("{} nothing listens on app port {}", ctx.channel(), exchange.appPort);
        ctx.fireChannelRead(ErrorResponses.create(ctx.alloc(), Refusal.APP_NOT_LISTENING,
                "nothing is listening on port " + exchange.appPort + " in your workspace yet; it may still be"
                        + " starting (tried for " + RETRY_WINDOW_MILLIS / 1000 + " s)", true));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (retry != null) {
            giveUp(ctx);
        }
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        releaseHeld();
    }

    private void releaseHeld() {
        if (heldHead != null) {
            ReferenceCountUtil.release(heldHead);
            heldHead = null;
        }
        if (heldBody != null) {
            heldBody.release();
            heldBody = null;
        }
    }
}
