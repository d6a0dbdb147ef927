package dev.codermon.proxy.relay;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.pipeline.RelayHandler;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one relay connection from its TLS handshake to a spliced workspace socket: reads the peer's node
 * from its client certificate, reads the bounded preface line before a deadline, looks the workspace up,
 * and connects to its socket on this node only if the store places it here ({@link RelayDecision});
 * otherwise answers {@code ERR} and closes, having touched no socket. Each refusal is logged with the
 * peer's node. A client that chose h2 by ALPN gets the multiplexed protocol instead ({@link #multiplex}).
 */
final class RelayAcceptHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "relay-accept";
    /** How much a peer may send while its certificate is checked (an h2 preface and first streams fit). */
    static final int WHILE_CHECKING = 256 * 1024;
    private static final Logger log = LoggerFactory.getLogger(RelayAcceptHandler.class);

    private final String ownNode;
    private final RelayRoutes routes;
    private final UpstreamConnector connector;
    private final PeerCheck peers;
    private final long deadlineMillis;
    private final long silenceMillis;
    private ScheduledFuture<?> deadline;
    /** The peer's node once its certificate was read. */
    private String peerNode;
    /** Bytes read so far: the preface, then whatever came after it while the decision is made. */
    private ByteBuf received;
    private boolean deciding;
    /** Whether the peer's certificate is being checked against what its node published. */
    private boolean checking;
    private boolean refused;

    /**
     * @param deadlineMillis how long a connection may take from accept to a complete preface
     */
    RelayAcceptHandler(String ownNode, RelayRoutes routes, UpstreamConnector connector, PeerCheck peers,
            long deadlineMillis) {
        this(ownNode, routes, connector, peers, deadlineMillis, NodeRelay.RELAY_SILENCE.toMillis());
    }

    /**
     * @param silenceMillis after how long without anything read a multiplexed connection is checked with a
     *                      PING (and closed after as long again without an answer)
     */
    RelayAcceptHandler(String ownNode, RelayRoutes routes, UpstreamConnector connector, PeerCheck peers,
            long deadlineMillis, long silenceMillis) {
        this.ownNode = ownNode;
        this.routes = routes;
        this.connector = connector;
        this.peers = peers;
        this.deadlineMillis = deadlineMillis;
        this.silenceMillis = silenceMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        closeAfter(ctx, deadlineMillis, "no TLS handshake and preface");
    }

    /** Closes the connection after the time unless the deadline is cancelled first (a splice, a refusal). */
    private void closeAfter(ChannelHandlerContext ctx, long millis, String missing) {
        deadline = ctx.executor().schedule(() -> {
            log.info("{} relay refused node {}: {} within {} ms", ctx.channel(),
                    peerNode == null ? "(unknown)" : peerNode, missing, millis);
            ctx.close();
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (!handshake.isSuccess()) {
                log.info("{} relay refused a TLS handshake: {}", ctx.channel(), handshake.cause().toString());
                ctx.close();
                return;
            }
            peerNode = peerNode(ctx.channel());
            if (peerNode == null) {
                refuse(ctx, new RelayDecision(403, "client certificate names no node"));
                return;
            }
            boolean h2 = RelayTls.H2.equals(ctx.pipeline().get(SslHandler.class).applicationProtocol());
            checking = true;
            ctx.channel().config().setAutoRead(false);
            peers.check(ctx.channel(), peerNode, refusal -> checked(ctx, h2, refusal));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Goes on once the peer's certificate was checked: bytes that came meanwhile were kept in order. */
    private void checked(ChannelHandlerContext ctx, boolean h2, String refusal) {
        checking = false;
        if (refused || !ctx.channel().isActive()) {
            return;
        }
        if (refusal != null) {
            if (h2) {
                refuseMultiplexed(ctx, refusal);
            } else {
                refuse(ctx, new RelayDecision(403, refusal));
            }
            return;
        }
        ctx.channel().config().setAutoRead(true);
        if (h2) {
            multiplex(ctx);
        } else if (received != null) {
            readPreface(ctx);
        }
    }

    /**
     * Refuses a peer that chose h2 in its own protocol: the server's SETTINGS, then a GOAWAY whose
     * INADEQUATE_SECURITY code and debug text give the reason, which the proxy reports; then closes.
     */
    private void refuseMultiplexed(ChannelHandlerContext ctx, String reason) {
        refused = true;
        log.info("{} relay refused node {}: 403 {}", ctx.channel(), peerNode, reason);
        releaseReceived();
        deadline.cancel(false);
        byte[] debug = reason.getBytes(CharsetUtil.US_ASCII);
        ByteBuf frames = ctx.alloc().buffer(9 + 9 + 8 + debug.length);
        frames.writeMedium(0).writeByte(0x4).writeByte(0).writeInt(0); // SETTINGS, none
        frames.writeMedium(8 + debug.length).writeByte(0x7).writeByte(0).writeInt(0) // GOAWAY
                .writeInt(0).writeInt((int) Http2Error.INADEQUATE_SECURITY.code()).writeBytes(debug);
        ctx.writeAndFlush(frames).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Turns a connection whose client chose h2 into a multiplexed relay ({@link RelayMuxProtocol}): each
     * stream is decided and spliced on its own by the connection's {@link MuxRelayHandler}. The connection then
     * lives as long as the peer keeps it (a proxy closes it once unused for a while), or until it stays
     * silent through a PING of the relay's ({@link MuxRelayHandler}).
     */
    private void multiplex(ChannelHandlerContext ctx) {
        deadline.cancel(false);
        String peer = peerNode;
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(NAME, "relay-idle", new IdleStateHandler(silenceMillis, 0, 0, TimeUnit.MILLISECONDS))
                .addAfter("relay-idle", "relay-flushes", RelayMuxProtocol.flushes())
                .addAfter("relay-flushes", "relay-written", RelayMuxProtocol.skipEmptyFlushes())
                .addAfter("relay-written", MuxRelayHandler.NAME, MuxRelayHandler.create(ownNode, peer, routes, connector));
        ByteBuf early = received;
        received = null;
        if (early != null) {
            // What the proxy sent while its certificate was checked (its connection preface, first streams).
            ctx.fireChannelRead(early);
            ctx.fireChannelReadComplete();
        }
        pipeline.remove(this);
        log.debug("{} relay from node {}: multiplexed (h2)", ctx.channel(), peer);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes) || peerNode == null || refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        received = received == null ? bytes : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), received, bytes);
        if (checking) {
            if (received.readableBytes() > WHILE_CHECKING) {
                refuse(ctx, new RelayDecision(400, "too much data before the relay checked the certificate"));
            }
            return;
        }
        readPreface(ctx);
    }

    /** Reads the preface line from what was received and decides, or waits for more. */
    private void readPreface(ChannelHandlerContext ctx) {
        if (deciding) {
            if (received.readableBytes() > RelayPreface.MAX_LINE) {
                refuse(ctx, new RelayDecision(400, "data before the relay's answer"));
            }
            return;
        }
        int end = received.indexOf(received.readerIndex(), received.writerIndex(), (byte) '\n');
        if (end < 0) {
            if (received.readableBytes() >= RelayPreface.MAX_LINE) {
                refuse(ctx, new RelayDecision(400, "preface too long"));
            }
            return;
        }
        if (end - received.readerIndex() >= RelayPreface.MAX_LINE) {
            refuse(ctx, new RelayDecision(400, "preface too long"));
            return;
        }
        String line = received.toString(received.readerIndex(), end - received.readerIndex(), CharsetUtil.US_ASCII);
        received.readerIndex(end + 1);
        RelayPreface preface;
        try {
            preface = RelayPreface.parse(line);
        } catch (IllegalArgumentException e) {
            refuse(ctx, new RelayDecision(400, e.getMessage()));
            return;
        }
        deciding = true;
        ctx.channel().config().setAutoRead(false);
        RelaySocket.open(ctx.channel(), ownNode, routes, connector, preface.hostname(), preface.kind(),
                (socket, route) -> splice(ctx, socket, route, preface), decision -> refuse(ctx, decision));
    }

    private void splice(ChannelHandlerContext ctx, Channel socket, Route route, RelayPreface preface) {
        deadline.cancel(false);
        Channel channel = ctx.channel();
        channel.closeFuture().addListener(closed -> socket.close());
        channel.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), RelayDecision.ALLOW.line()));
        ByteBuf early = received;
        received = null;
        if (early != null && early.isReadable()) {
            socket.writeAndFlush(early);
        } else if (early != null) {
            early.release();
        }
        channel.pipeline().remove(this);
        RelayHandler.join(channel, socket);
        log.debug("{} relay from node {} to workspace {} ({})", channel, peerNode, route.workspaceId(), preface.kind());
    }

    private void refuse(ChannelHandlerContext ctx, RelayDecision decision) {
        if (refused) {
            return;
        }
        refused = true;
        log.info("{} relay refused node {}: {} {}", ctx.channel(), peerNode == null ? "(unknown)" : peerNode,
                decision.status(), decision.reason());
        releaseReceived();
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), decision.line())).addListener(ChannelFutureListener.CLOSE);
    }

    /** Returns the node the peer's certificate names, or null. */
    static String peerNode(Channel channel) {
        X509Certificate leaf = peerCertificate(channel);
        return leaf == null ? null : NodeId.of(leaf);
    }

    /** Returns the certificate the peer presented in the channel's TLS handshake, or null if none. */
    static X509Certificate peerCertificate(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? leaf : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseReceived();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        releaseReceived();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} relay connection failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    private void releaseReceived() {
        if (received != null) {
            received.release();
            received = null;
        }
    }
}
