package dev.codermon.proxy.relay;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's side of a multiplexed connection ({@link RelayMuxProtocol}): the connection's HTTP/2 codec,
 * which splices each stream to its workspace socket itself. A stream's opening headers are decided as
 * {@link RelayAcceptHandler} decides a connection of the preface protocol (the peer's node is the
 * certificate's, the workspace host comes from {@code :authority}; the socket is opened only if the store
 * places the workspace on this node, {@link RelaySocket}); a refusal ends the stream with its status and
 * reason, having touched no socket. Each refusal is logged with the peer's node.
 *
 * <p>Bytes go between DATA frames and the socket without a channel or frame objects per stream: DATA read
 * is written to the socket and flushed once per read of the connection; bytes the socket reads become DATA
 * frames, flushed once per read of the socket (and folded with the other streams' by the connection's flush
 * consolidation). Both ways are bounded: the stream's window is given back only as the socket takes what
 * was written to it, and the socket is read only while the stream's flow-control window and the connection
 * take more.
 *
 * <p>A stream ends without resets where the peer plays along: the end of the peer's side closes the socket
 * once what came before it is written, and the socket's close ends this side; a stream whose peer has not
 * ended its side {@link StreamBytes#END_WAIT_MILLIS} after this side ended is reset.
 */
final class MuxRelayHandler extends Http2ConnectionHandler {

    static final String NAME = "relay-h2";
    private static final Logger log = LoggerFactory.getLogger(MuxRelayHandler.class);

    private final String ownNode;
    private final String peerNode;
    private final RelayRoutes routes;
    private final UpstreamConnector connector;
    private final Http2Connection.PropertyKey spliceKey;
    /** Sockets written to during the connection's current read: flushed when the read completes. */
    private final List<Splice> written = new ArrayList<>();
    private ChannelHandlerContext ctx;
    /** Whether a PING went out for silence and nothing was read since. */
    private boolean pinged;

    private MuxRelayHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
            String ownNode, String peerNode, RelayRoutes routes, UpstreamConnector connector) {
        super(decoder, encoder, settings);
        this.ownNode = ownNode;
        this.peerNode = peerNode;
        this.routes = routes;
        this.connector = connector;
        this.spliceKey = connection().newKey();
        decoder.frameListener(new Frames());
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                Splice splice = stream.getProperty(spliceKey);
                if (splice != null) {
                    splice.streamClosed();
                }
            }
        });
        encoder.flowController().listener(new Http2RemoteFlowController.Listener() {
            @Override
            public void writabilityChanged(Http2Stream stream) {
                Splice splice = stream.getProperty(spliceKey);
                if (splice != null) {
                    splice.readSocketIfWritable();
                }
            }
        });
    }

    /** The codec of a connection whose client chose h2, for the peer node its certificate names. */
    static MuxRelayHandler create(String ownNode, String peerNode, RelayRoutes routes, UpstreamConnector connector) {
        return new Builder(ownNode, peerNode, routes, connector).build();
    }

    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<MuxRelayHandler, Builder> {

        private final String ownNode;
        private final String peerNode;
        private final RelayRoutes routes;
        private final UpstreamConnector connector;

        Builder(String ownNode, String peerNode, RelayRoutes routes, UpstreamConnector connector) {
            this.ownNode = ownNode;
            this.peerNode = peerNode;
            this.routes = routes;
            this.connector = connector;
            server(true);
            validateHeaders(true);
            initialSettings(RelayMuxProtocol.settings(true));
        }

        @Override
        protected MuxRelayHandler build() {
            return super.build();
        }

        @Override
        protected MuxRelayHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                Http2Settings settings) {
            return new MuxRelayHandler(decoder, encoder, settings, ownNode, peerNode, routes, connector);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
        RelayMuxProtocol.openConnectionWindow(this, ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        pinged = false;
        super.channelRead(ctx, msg);
    }

    /**
     * Checks a silent connection (an {@link IdleStateEvent} of the pipeline's idle handler): a PING the
     * first time, and a close if nothing at all was read since that PING (the proxy or the way to it is
     * gone); the streams' sockets close with it.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof IdleStateEvent)) {
            super.userEventTriggered(ctx, evt);
        } else if (pinged) {
            log.info("{} relay closed the multiplexed connection of node {}: no answer to its PING ({} streams)",
                    ctx.channel(), peerNode, connection().numActiveStreams());
            ctx.close();
        } else {
            pinged = true;
            encoder().writePing(ctx, false, System.nanoTime(), ctx.newPromise());
            flush(ctx);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        for (Splice splice : written) {
            splice.flushSocket();
        }
        written.clear();
        super.channelReadComplete(ctx);
    }

    /** Reads the peer's frames: opening headers decide a stream, DATA goes to its socket. */
    private final class Frames extends Http2FrameAdapter {

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                boolean endOfStream) {
            Http2Stream stream = connection().stream(streamId);
            Splice splice = stream.getProperty(spliceKey);
            if (splice != null) {
                // Trailers: nothing a relayed connection sends; only their end counts.
                if (endOfStream) {
                    splice.peerEnded();
                }
                return;
            }
            splice = new Splice(stream);
            stream.setProperty(spliceKey, splice);
            String hostname;
            try {
                hostname = RelayMuxProtocol.hostOf(headers);
            } catch (IllegalArgumentException e) {
                splice.refuse(new RelayDecision(400, e.getMessage()));
                return;
            }
            if (endOfStream) {
                splice.refuse(new RelayDecision(400, "the stream ended with its opening headers"));
                return;
            }
            splice.decide(hostname);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            Http2Stream stream = connection().stream(streamId);
            Splice splice = stream == null ? null : stream.getProperty(spliceKey);
            int bytes = data.readableBytes() + padding;
            if (splice == null) {
                return bytes;
            }
            int processed = splice.data(data, bytes);
            if (endOfStream) {
                splice.peerEnded();
            }
            return processed;
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            // The stream is closed by the codec, and its socket with it (onStreamClosed).
            log.debug("{} relayed stream {} reset by node {} ({})", ctx.channel(), streamId, peerNode, errorCode);
        }
    }

    /** One stream: from its opening headers to its socket and back. */
    private final class Splice extends ChannelInboundHandlerAdapter {

        private final Http2Stream stream;
        private Channel socket;
        private boolean refused;
        private boolean sentEnd;
        private boolean closed;
        private boolean inWritten;
        /** Stream window not yet given back: bytes written to a socket that was not taking more. */
        private int unconsumed;
        private ScheduledFuture<?> reset;

        Splice(Http2Stream stream) {
            this.stream = stream;
        }

        void decide(String hostname) {
            RelaySocket.open(ctx.channel(), ownNode, routes, connector, hostname, SocketKind.HTTP,
                    this::splice, this::refuse);
        }

        private void splice(Channel opened, Route route) {
            if (closed || refused) {
                opened.close();
                return;
            }
            socket = opened;
            encoder().writeHeaders(ctx, stream.id(), RelayMuxProtocol.answer(RelayDecision.ALLOW), 0, false,
                    ctx.newPromise());
            flush(ctx);
            socket.pipeline().addLast(this);
            socket.config().setAutoRead(true);
            log.debug("{} relay from node {} to workspace {} (http, multiplexed, stream {})", ctx.channel(), peerNode,
                    route.workspaceId(), stream.id());
        }

        void refuse(RelayDecision decision) {
            if (refused || closed) {
                return;
            }
            refused = true;
            log.info("{} relay refused node {}: {} {}", ctx.channel(), peerNode, decision.status(), decision.reason());
            encoder().writeHeaders(ctx, stream.id(), RelayMuxProtocol.answer(decision), 0, true, ctx.newPromise());
            sentEnd();
            flush(ctx);
        }

        /** DATA from the peer: returns how much of the stream's window to give back now. */
        int data(ByteBuf data, int bytes) {
            if (refused) {
                return bytes;
            }
            if (socket == null) {
                // Not refused and no socket yet: the stream is being decided.
                refuse(new RelayDecision(400, "data before the relay's answer"));
                return bytes;
            }
            if (!socket.isActive()) {
                return bytes;
            }
            if (data.isReadable()) {
                socket.write(data.retain(), socket.voidPromise());
                if (!inWritten) {
                    inWritten = true;
                    written.add(this);
                }
            }
            if (socket.isWritable()) {
                return bytes;
            }
            unconsumed += bytes;
            return 0;
        }

        void flushSocket() {
            inWritten = false;
            socket.flush();
        }

        /** The peer ended its side: the socket closes once what came before is written. */
        void peerEnded() {
            if (socket != null && socket.isActive()) {
                socket.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        void streamClosed() {
            closed = true;
            if (reset != null) {
                reset.cancel(false);
            }
            if (socket != null) {
                socket.close();
            }
        }

        /** Ends this side; the stream is reset if the peer does not end its side in time. */
        private void sentEnd() {
            sentEnd = true;
            reset = ctx.executor().schedule(() -> {
                if (!closed) {
                    resetStream(ctx, stream.id(), Http2Error.CANCEL.code(), ctx.newPromise());
                    flush(ctx);
                }
            }, StreamBytes.END_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }

        void readSocketIfWritable() {
            if (socket != null && !sentEnd && connection().remote().flowController().isWritable(stream)) {
                socket.config().setAutoRead(true);
            }
        }

        // The socket's side.

        @Override
        public void channelRead(ChannelHandlerContext socketCtx, Object msg) {
            if (sentEnd || closed || !(msg instanceof ByteBuf bytes)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            encoder().writeData(ctx, stream.id(), bytes, 0, false, ctx.newPromise());
            if (!encoder().flowController().isWritable(stream)) {
                socketCtx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext socketCtx) {
            flush(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext socketCtx) {
            if (socketCtx.channel().isWritable() && unconsumed > 0 && !closed) {
                int bytes = unconsumed;
                unconsumed = 0;
                try {
                    connection().local().flowController().consumeBytes(stream, bytes);
                } catch (Http2Exception e) {
                    log.debug("{} relayed stream {}: {}", ctx.channel(), stream.id(), e.toString());
                }
                flush(ctx);
            }
            socketCtx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext socketCtx) {
            if (!sentEnd && !closed) {
                encoder().writeData(ctx, stream.id(), Unpooled.EMPTY_BUFFER, 0, true, ctx.newPromise());
                sentEnd();
                flush(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext socketCtx, Throwable cause) {
            log.debug("{} relayed socket failed: {}", socketCtx.channel(), cause.toString());
            socketCtx.close();
        }
    }
}
