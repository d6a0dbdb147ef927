package dev.codermon.proxy.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies raw bytes from its channel to a peer channel. Reads are manual: the next read is requested
 * only after the peer accepted the previous write, so a slow side slows the other instead of filling
 * memory. When either side closes, the other is closed after its pending writes are flushed.
 */
public final class RelayHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

    private final Channel peer;
    private final Consumer<ByteBuf> onRead;
    /** One listener for every write (created once, not per message): read on once the peer took it. */
    private ChannelFutureListener readNext;

    /**
     * Creates a relay towards the peer.
     *
     * @param onRead looks at every chunk read before it is relayed (activity accounting); it must not
     *               consume or release the bytes. May be null
     */
    RelayHandler(Channel peer, Consumer<ByteBuf> onRead) {
        this.peer = peer;
        this.onRead = onRead;
    }

    /** Joins two channels both ways as they are, bytes unexamined (a node relay's mutual-TLS side and a socket). */
    public static void join(Channel a, Channel b) {
        a.pipeline().addLast(HandlerNames.RELAY, new RelayHandler(b, null));
        b.pipeline().addLast(HandlerNames.RELAY, new RelayHandler(a, null));
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
        if (onRead != null && msg instanceof ByteBuf bytes) {
            onRead.accept(bytes);
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
        log.debug("{} relay failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    /** Closes the channel once everything written to it so far has been flushed. */
    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
