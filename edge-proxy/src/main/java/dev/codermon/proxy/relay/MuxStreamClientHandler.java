package dev.codermon.proxy.relay;

import dev.codermon.proxy.upstream.UpstreamUnreachable;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a proxy's stream to another node's relay ({@link RelayMuxProtocol}) from the shared connection's
 * readiness to the relay's {@code 200}: sends the opening headers once the connection is up (its TLS
 * handshake done, the relay's certificate checked), then completes the promise on {@code 200} or fails it
 * with the reason the client will read (the relay's refusal, the connection's failure, a reset, the
 * deadline); then leaves the pipeline.
 */
final class MuxStreamClientHandler extends ChannelDuplexHandler {

    static final String NAME = "relay-stream-client";
    private static final Logger log = LoggerFactory.getLogger(MuxStreamClientHandler.class);

    private final String node;
    private final String hostname;
    private final Future<Void> connection;
    private final Supplier<String> connectionFailure;
    private final ChannelPromise ready;
    private final long deadlineMillis;
    private ScheduledFuture<?> deadline;

    /**
     * @param connectionFailure why the shared connection failed, if it did (then the stream's reason too)
     */
    MuxStreamClientHandler(String node, String hostname, Future<Void> connection, Supplier<String> connectionFailure,
            ChannelPromise ready, long deadlineMillis) {
        this.node = node;
        this.hostname = hostname;
        this.connection = connection;
        this.connectionFailure = connectionFailure;
        this.ready = ready;
        this.deadlineMillis = deadlineMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> fail(ctx, "relay to node " + node + " did not answer within "
                + deadlineMillis + " ms"), deadlineMillis, TimeUnit.MILLISECONDS);
        connection.addListener(up -> {
            if (!up.isSuccess()) {
                fail(ctx, up.cause());
            } else if (!ready.isDone()) {
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(RelayMuxProtocol.open(hostname)))
                        .addListener((ChannelFutureListener) sent -> {
                            if (!sent.isSuccess()) {
                                fail(ctx, "relay to node " + node + " failed: " + sent.cause());
                            }
                        });
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ready.isDone()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof Http2HeadersFrame answer)) {
            ReferenceCountUtil.release(msg);
            fail(ctx, "relay to node " + node + " sent data before answering");
            return;
        }
        Http2Headers headers = answer.headers();
        CharSequence status = headers.status();
        if (status != null && "200".contentEquals(status) && !answer.isEndStream()) {
            deadline.cancel(false);
            ready.trySuccess();
            ctx.pipeline().remove(this);
            return;
        }
        CharSequence reason = headers.get(RelayMuxProtocol.REASON);
        fail(ctx, "relay to node " + node + " refused: " + (status == null ? "?" : RelayMuxProtocol.printable(status))
                + " " + (reason == null ? "(no reason)" : RelayMuxProtocol.printable(reason)));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset && !ready.isDone()) {
            fail(ctx, "relay to node " + node + " reset the stream (" + reset.errorCode() + ")");
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ready.isDone()) {
            ctx.fireChannelInactive();
            return;
        }
        // A TLS alert that closed the shared connection is reported right after the close: let it name the
        // reason. The handlers behind learn of the close only once the promise's owner heard why.
        ctx.executor().execute(() -> {
            fail(ctx, "relay to node " + node + " closed the connection before answering");
            ctx.fireChannelInactive();
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ready.isSuccess()) {
            ctx.fireExceptionCaught(cause);
        } else {
            fail(ctx, "relay to node " + node + " failed: " + RelayClientHandler.describe(cause));
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    /** Fails with the shared connection's own reason (already the one a client reads), or wraps another. */
    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof UpstreamUnreachable unreachable) {
            if (ready.tryFailure(unreachable)) {
                log.debug("{} {}", ctx.channel(), unreachable.refusal().reason());
            }
            ctx.channel().close();
        } else {
            fail(ctx, "relay to node " + node + " failed: " + cause);
        }
    }

    /** Fails with the reason given, or the shared connection's if it failed (that says more). */
    private void fail(ChannelHandlerContext ctx, String reason) {
        String failure = connectionFailure.get();
        if (RelayClientHandler.fail(ready, failure != null ? failure : reason)) {
            log.debug("{} {}", ctx.channel(), failure != null ? failure : reason);
        }
        // Through the whole pipeline: the stream ends as streams end, without a reset where it can.
        ctx.channel().close();
    }
}
