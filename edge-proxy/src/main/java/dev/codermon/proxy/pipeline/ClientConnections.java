package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.Refusal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps count of open client connections across event loops: admits a new one only under the cap
 * (over it, answers a canned 503 and closes), and tells every open one to drain on shutdown.
 */
public final class ClientConnections {

    private static final ByteBuf AT_LIMIT = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                    + (Refusal.CONNECTION_LIMIT.reason().length() + 1) + "\r\nCache-Control: no-store\r\n"
                    + "Connection: close\r\n\r\n" + Refusal.CONNECTION_LIMIT.reason() + "\n",
            StandardCharsets.US_ASCII)).asReadOnly();

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup("edge-proxy-clients", GlobalEventExecutor.INSTANCE);

    public ClientConnections(int max) {
        this.max = max;
    }

    /** Returns the number of open client connections. */
    public int open() {
        return open.get();
    }

    /** Counts the channel until it closes and returns true, or returns false when at the cap. */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return false;
        }
        channels.add(channel);
        channel.closeFuture().addListener(future -> open.decrementAndGet());
        return true;
    }

    /** Asks every open connection to finish its in-flight exchange and close. */
    public void drain() {
        for (Channel channel : channels) {
            channel.eventLoop().execute(() -> channel.pipeline().fireUserEventTriggered(ExchangeTracker.DRAIN));
        }
    }

    /** Closes every open connection now. */
    public void closeAll() {
        channels.close().awaitUninterruptibly();
    }

    /** Answers a connection over the cap with a canned 503 and closes it. */
    static final class AtLimitHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(AT_LIMIT.duplicate()).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }
}
