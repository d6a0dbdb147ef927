package dev.codermon.proxy.relay;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes the buffers its channel reads on to the peer channel as they are (no copy). Reads are manual: the
 * next is requested only once the peer took the previous write, so a slow side slows the other. When
 * either side closes, the other closes after its pending writes.
 */
final class RelaySplice extends ChannelInboundHandlerAdapter {

    static final String NAME = "relay-splice";
    private static final Logger log = LoggerFactory.getLogger(RelaySplice.class);

    private final Channel peer;
    private ChannelFutureListener readNext;

    RelaySplice(Channel peer) {
        this.peer = peer;
    }

    /** Splices the two channels both ways. */
    static void join(Channel a, Channel b) {
        a.pipeline().addLast(NAME, new RelaySplice(b));
        b.pipeline().addLast(NAME, new RelaySplice(a));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        readNext = future -> {
            if (future.isSuccess()) {
                ctx.read();
            } else {
                future.channel().close();
                ctx.close();
            }
        };
        ctx.channel().config().setAutoRead(false);
        if (ctx.channel().isActive()) {
            ctx.read();
        } else {
            closeOnFlush(peer);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        peer.writeAndFlush(msg).addListener(readNext);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(peer);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} relay splice failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
