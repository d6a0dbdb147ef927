package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers 400 and closes the connection on anything the HTTP decoder could not parse, so that later
 * stages only ever see well-formed requests. Everything after the first failure is dropped.
 */
final class BadRequestHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(BadRequestHandler.class);

    private boolean failed;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject http && http.decoderResult().isFailure()) {
            failed = true;
            DecoderResult result = http.decoderResult();
            log.debug("{} malformed request: {}", ctx.channel(), result.cause().toString());
            ReferenceCountUtil.release(msg);
            ctx.writeAndFlush(ErrorResponses.create(ctx.alloc(), Refusal.MALFORMED_REQUEST, false))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
