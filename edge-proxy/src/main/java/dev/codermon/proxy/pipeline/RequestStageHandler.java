package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.function.Function;

/**
 * Gives a request-checking stage its one reject path: answer the request with a canned refusal and
 * drop the rest of its body, so that a refused request never reaches an upstream. Stages that answer
 * a sign-in step themselves redirect the same way.
 *
 * <p>Answers keep request order: the {@link ExchangeTracker} writes one only after every earlier
 * request's response, and until then this stage holds every later message, so that none of them can be
 * answered first. After an answer that closes the connection, every later message is dropped.
 */
abstract class RequestStageHandler extends ChannelInboundHandlerAdapter {

    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private boolean discardingBody;
    /** Whether later messages wait here (for an answer's turn, or a lookup of a pausing stage). */
    private boolean holding;
    private boolean draining;
    /** Whether this stage answered with a refusal that closes the connection. */
    private boolean closed;

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest head) {
            // No tracker made its exchange (a pipeline without the front, in unit tests): a detached one.
            msg = new Exchange(head);
        }
        if (closed) {
            release(msg);
        } else if (holding || !queued.isEmpty()) {
            queued.add(msg);
        } else {
            dispatch(ctx, msg);
        }
    }

    private void dispatch(ChannelHandlerContext ctx, Object msg) {
        if (closed) {
            release(msg);
        } else if (discardingBody && msg instanceof HttpContent) {
            discardingBody = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
        } else {
            onMessage(ctx, msg);
        }
    }

    /**
     * Refuses like {@link #refuse(ChannelHandlerContext, Exchange, Refusal)}, after telling the access
     * log who sent the request (if anyone was authenticated) and for which workspace (if known).
     */
    final void refuse(ChannelHandlerContext ctx, Exchange exchange, String workspaceId, Refusal refusal) {
        if (exchange.principal != null) {
            exchange.annotate(exchange.principal.user(), workspaceId, null);
        }
        refuse(ctx, exchange, refusal);
    }

    /** Handles a message that is not the body of a refused request. */
    abstract void onMessage(ChannelHandlerContext ctx, Object msg);

    /** Answers the request with the refusal and discards its body; closes unless the client may retry. */
    final void refuse(ChannelHandlerContext ctx, Exchange exchange, Refusal refusal) {
        discardingBody = true;
        ReferenceCountUtil.release(exchange.request);
        boolean keepAlive = refusal.keepsConnection() && mayKeepAlive(ctx, exchange.request);
        answer(ctx, exchange, ErrorResponses.create(ctx.alloc(), refusal, keepAlive), !keepAlive);
    }

    /**
     * Answers the request with a {@code 302} to the location (setting the cookie, if not null); keeps
     * the connection open if the request allows it. The caller has called {@link #discardBody()} when it
     * took the request, before any of its body could have arrived (a body already dropped must not
     * make the next request's body dropped too).
     */
    final void redirect(ChannelHandlerContext ctx, Exchange exchange, String location, String setCookie) {
        answer(ctx, exchange, keepAlive -> Redirects.found(location, setCookie, keepAlive));
    }

    /**
     * Answers the request with a response of the proxy's own, made for whether the connection stays open
     * (as {@link #redirect} does); the caller has called {@link #discardBody()}.
     */
    final void answer(ChannelHandlerContext ctx, Exchange exchange, Function<Boolean, FullHttpResponse> response) {
        ReferenceCountUtil.release(exchange.request);
        boolean keepAlive = mayKeepAlive(ctx, exchange.request);
        answer(ctx, exchange, response.apply(keepAlive), !keepAlive);
    }

    /**
     * Writes the proxy's own answer to the request in its turn ({@link Exchanges#answer}); holds
     * later messages until it has been written, or drops them all if it closes the connection.
     */
    final ChannelFuture answer(ChannelHandlerContext ctx, Exchange exchange, HttpResponse answer, boolean close) {
        ChannelFuture written = Exchanges.answer(ctx.channel(), exchange, answer, close);
        if (close) {
            closed = true;
            releaseQueued();
        } else if (!written.isDone()) {
            holdUntil(ctx, written);
        }
        return written;
    }

    /** Returns whether the connection may stay open after the proxy answered this request itself. */
    private static boolean mayKeepAlive(ChannelHandlerContext ctx, HttpRequest request) {
        // A client waiting for 100 Continue sends no body after a final answer: the connection cannot
        // be reused, since the decoder would read the next request as this one's body.
        return HttpUtil.isKeepAlive(request) && !HttpUtil.is100ContinueExpected(request) && ctx.channel().isActive();
    }

    /** Drops the body of the current request (the request itself was consumed). */
    final void discardBody() {
        discardingBody = true;
    }

    /** Holds later messages here, in order, until the future completes; then handles them on the event loop. */
    final void holdUntil(ChannelHandlerContext ctx, Future<?> done) {
        hold();
        // Not from inside the listener: it may run in the middle of the write that completed it.
        done.addListener(f -> ctx.executor().execute(() -> {
            endHold();
            handleHeld(ctx);
        }));
    }

    /** Holds later messages here, in order, until {@link #endHold()} and {@link #handleHeld}. */
    final void hold() {
        holding = true;
    }

    final void endHold() {
        holding = false;
    }

    /**
     * Handles the messages held meanwhile, unless a new hold begins among them; drops them if the
     * connection has closed.
     */
    final void handleHeld(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            releaseQueued();
            return;
        }
        draining = true;
        try {
            Object next;
            while (!holding && (next = queued.poll()) != null) {
                if (ctx.isRemoved()) {
                    handOver(ctx, next);
                } else {
                    dispatch(ctx, next);
                }
            }
        } finally {
            draining = false;
        }
    }

    /**
     * Passes a held message to the stage that replaced this one under its name, or drops it if there is
     * none (the stages are removed when the connection becomes a relay).
     */
    private static void handOver(ChannelHandlerContext ctx, Object msg) {
        ChannelHandlerContext successor = ctx.pipeline().context(ctx.name());
        if (successor != null && successor.handler() instanceof ChannelInboundHandler next) {
            try {
                next.channelRead(successor, msg);
            } catch (Exception e) {
                successor.fireExceptionCaught(e);
            }
        } else {
            release(msg);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed while handing on held messages: handleHeld() hands over the rest.
        if (!draining) {
            releaseQueued();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseQueued();
        ctx.fireChannelInactive();
    }

    private void releaseQueued() {
        Object msg;
        while ((msg = queued.poll()) != null) {
            release(msg);
        }
    }

    private static void release(Object msg) {
        ReferenceCountUtil.release(msg instanceof Exchange exchange ? exchange.request : msg);
    }
}
