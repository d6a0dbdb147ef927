package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.upstream.UpstreamLink;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a client connection that has neither read nor written for its idle timeout: the HTTP timeout
 * until the connection becomes a relay (WebSocket), the longer tunnel timeout after that. A request whose
 * workspace has not started answering by then gets {@code 504} instead of a silent close.
 *
 * <p>Unlike Netty's {@code IdleStateHandler} it counts a write when it is flushed, not when it completes,
 * so that it adds no listener to every write's promise; a peer that stops reading stops the writes
 * too, and the connection then goes idle all the same. One timer per connection, re-armed when it fires.
 */
final class IdleTimeoutHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(IdleTimeoutHandler.class);

    private final long idleNanos;
    private final long tunnelNanos;
    /** Answers a request still waiting for its workspace when the connection goes idle; null in a relay. */
    private final UpstreamLink upstream;
    private long lastActivity;
    private ScheduledFuture<?> timer;

    IdleTimeoutHandler(long httpNanos, long tunnelNanos, UpstreamLink upstream) {
        this.idleNanos = httpNanos;
        this.tunnelNanos = tunnelNanos;
        this.upstream = upstream;
    }

    /** Switches the pipeline's idle timeout to the tunnel timeout. */
    static void switchToTunnel(ChannelPipeline pipeline) {
        if (pipeline.get(HandlerNames.IDLE) instanceof IdleTimeoutHandler current) {
            pipeline.replace(HandlerNames.IDLE, HandlerNames.IDLE,
                    new IdleTimeoutHandler(current.tunnelNanos, current.tunnelNanos, null));
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    // Activity is stamped once per read batch and once per flush, not per message: a request and its
    // response are several messages, and every clock read counts on the hot path.
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastActivity = System.nanoTime();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        lastActivity = System.nanoTime();
        ctx.flush();
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer != null || idleNanos <= 0) {
            return;
        }
        lastActivity = System.nanoTime();
        timer = ctx.executor().schedule(() -> check(ctx), idleNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isOpen()) {
            timer = null;
            return;
        }
        long left = lastActivity + idleNanos - System.nanoTime();
        if (left > 0) {
            timer = ctx.executor().schedule(() -> check(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        // A request still waiting for its workspace gets a clear 504 rather than a silent close.
        if (upstream != null && upstream.timeOut()) {
            lastActivity = System.nanoTime();
            timer = ctx.executor().schedule(() -> check(ctx), idleNanos, TimeUnit.NANOSECONDS);
            return;
        }
        timer = null;
        log.debug("{} idle for {} ms, closing", ctx.channel(), TimeUnit.NANOSECONDS.toMillis(idleNanos));
        ctx.close();
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
