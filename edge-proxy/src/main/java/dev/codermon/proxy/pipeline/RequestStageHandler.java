package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.Redirects;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Function;

/**
 * Gives a request-checking stage its one reject path: answer the request with a canned refusal and
 * drop the rest of its body, so that a refused request never reaches an upstream. Stages that answer
 * a sign-in step themselves redirect the same way.
 */
abstract class RequestStageHandler extends ChannelInboundHandlerAdapter {

    private boolean discardingBody;

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discardingBody && msg instanceof HttpContent) {
            discardingBody = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        onMessage(ctx, msg);
    }

    /**
     * Refuses like {@link #refuse(ChannelHandlerContext, HttpRequest, Refusal)}, after telling the access
     * log who sent the request (if anyone was authenticated) and for which workspace (if known).
     */
    final void refuse(ChannelHandlerContext ctx, AuthenticatedRequest authenticated, String workspaceId,
            Refusal refusal) {
        if (authenticated.principal() != null) {
            ExchangeTracker.annotate(ctx.channel(), authenticated.request(), authenticated.principal().user(),
                    workspaceId);
        }
        refuse(ctx, authenticated.request(), refusal);
    }

    /** Handles a message that is not the body of a refused request. */
    abstract void onMessage(ChannelHandlerContext ctx, Object msg);

    /** Answers the request with the refusal and discards its body; closes unless the client may retry. */
    final void refuse(ChannelHandlerContext ctx, HttpRequest request, Refusal refusal) {
        discardingBody = true;
        ReferenceCountUtil.release(request);
        if (refusal.keepsConnection() && mayKeepAlive(ctx, request)) {
            ctx.writeAndFlush(ErrorResponses.create(ctx.alloc(), refusal, true));
        } else {
            ErrorResponses.sendAndClose(ctx.channel(), refusal);
        }
    }

    /**
     * Answers the request with a {@code 302} to the location (setting the cookie, if not null); keeps
     * the connection open if the request allows it. The caller has called {@link #discardBody()} when it
     * took the request, before any of its body could have arrived (a body already dropped must not
     * make the next request's body dropped too).
     */
    final void redirect(ChannelHandlerContext ctx, HttpRequest request, String location, String setCookie) {
        answer(ctx, request, keepAlive -> Redirects.found(location, setCookie, keepAlive));
    }

    /**
     * Answers the request with a response of the proxy's own, made for whether the connection stays open
     * (as {@link #redirect} does); the caller has called {@link #discardBody()}.
     */
    final void answer(ChannelHandlerContext ctx, HttpRequest request, Function<Boolean, FullHttpResponse> response) {
        ReferenceCountUtil.release(request);
        boolean keepAlive = mayKeepAlive(ctx, request);
        var future = ctx.writeAndFlush(response.apply(keepAlive));
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
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
}
