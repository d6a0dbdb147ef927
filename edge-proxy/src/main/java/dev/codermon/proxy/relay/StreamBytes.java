package dev.codermon.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Carries a relayed connection's bytes over its HTTP/2 stream on a proxy's side (the stream's channel, {@link
 * RelayMux}; the relay's side is {@link MuxRelayHandler}): DATA frames in become their bytes, bytes out become
 * DATA frames, HEADERS before any bytes (the opening and the answer) pass as they are (an empty buffer, a
 * flush marker, is not sent: empty DATA frames in a row count as an attack).
 *
 * <p>A connection ends without resets: a close sends the end of the stream and closes the channel once
 * the peer has ended its side too (at most {@link #END_WAIT_MILLIS} later; then the stream is reset). The
 * peer's end of stream is its close: the channel closes after the bytes before it were passed on. So in
 * normal use neither side resets streams, which a relay would count against a rapid-reset attack.
 */
final class StreamBytes extends ChannelDuplexHandler {

    static final String NAME = "relay-stream-bytes";
    /** How long a closed stream waits for the peer's end before it is reset. */
    static final long END_WAIT_MILLIS = 5_000;

    private boolean bytesSeen;
    private boolean sentEnd;
    private boolean receivedEnd;
    private boolean closing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (receivedEnd) {
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean end = msg instanceof Http2StreamFrame frame && isEnd(frame);
        if (msg instanceof Http2DataFrame data) {
            bytesSeen = true;
            ByteBuf content = data.content();
            if (content.isReadable()) {
                ctx.fireChannelRead(content);
            } else {
                content.release();
            }
        } else if (bytesSeen) {
            // Trailers: nothing a relayed connection sends; only their end counts.
            ReferenceCountUtil.release(msg);
        } else {
            // The opening headers or the answer (a refusal ends the stream with it): for the handler behind.
            ctx.fireChannelRead(msg);
        }
        if (end) {
            receivedEnd = true;
            ctx.channel().close();
        }
    }

    private static boolean isEnd(Http2StreamFrame frame) {
        return frame instanceof Http2DataFrame data ? data.isEndStream()
                : frame instanceof Http2HeadersFrame headers && headers.isEndStream();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (sentEnd) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (msg instanceof ByteBuf bytes) {
            if (!bytes.isReadable()) {
                bytes.release();
                promise.trySuccess();
                return;
            }
            ctx.write(new DefaultHttp2DataFrame(bytes, false), promise);
            return;
        }
        if (msg instanceof Http2StreamFrame frame && isEnd(frame)) {
            // A refusal's answer ends the stream.
            sentEnd = true;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        // A stream that never opened (no HEADERS sent) has nothing to end.
        boolean opened = ((Http2StreamChannel) ctx.channel()).stream().id() > 0;
        if (opened && !sentEnd) {
            sentEnd = true;
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
        }
        if (!opened || receivedEnd) {
            ctx.close(promise);
            return;
        }
        // The stream closes once the peer ends its side too, and its channel with it: read on until then
        // (what comes is dropped by the handlers behind, whose peer is gone).
        ctx.channel().closeFuture().addListener(closed -> promise.trySuccess());
        ctx.channel().config().setAutoRead(true);
        if (!closing) {
            closing = true;
            ScheduledFuture<?> reset = ctx.executor().schedule(() -> {
                if (ctx.channel().isOpen()) {
                    ctx.close();
                }
            }, END_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            ctx.channel().closeFuture().addListener(closed -> reset.cancel(false));
        }
    }
}
