package dev.codermon.proxy.pipeline;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a client connection that has neither read nor written for its idle timeout: the HTTP timeout
 * until the connection becomes a relay (WebSocket), the longer tunnel timeout after that. A request whose
 * workspace has not started answering by then gets {@code 504} instead of a silent close.
 */
final class IdleTimeoutHandler extends IdleStateHandler {

    private static final Logger log = LoggerFactory.getLogger(IdleTimeoutHandler.class);

    private final long tunnelNanos;

    IdleTimeoutHandler(long httpNanos, long tunnelNanos) {
        super(0, 0, httpNanos, TimeUnit.NANOSECONDS);
        this.tunnelNanos = tunnelNanos;
    }

    /** Switches the pipeline's idle timeout to the tunnel timeout. */
    static void switchToTunnel(ChannelPipeline pipeline) {
        if (pipeline.get(HandlerNames.IDLE) instanceof IdleTimeoutHandler current) {
            pipeline.replace(HandlerNames.IDLE, HandlerNames.IDLE,
                    new IdleTimeoutHandler(current.tunnelNanos, current.tunnelNanos));
        }
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        // A request still waiting for its workspace gets a clear 504 rather than a silent close.
        if (ctx.pipeline().get(HandlerNames.FORWARD) instanceof ForwardHandler forward && forward.timeOutUpstream()) {
            return;
        }
        log.debug("{} idle for {} ms, closing", ctx.channel(), getAllIdleTimeInMillis());
        ctx.close();
    }
}
