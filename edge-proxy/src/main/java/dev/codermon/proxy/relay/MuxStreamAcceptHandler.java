package dev.codermon.proxy.relay;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.pipeline.RelayHandler;
import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one stream of a multiplexed relay connection ({@link RelayMuxProtocol}) from its opening headers to
 * a spliced workspace socket, as {@link RelayAcceptHandler} takes a connection of the preface protocol: the
 * peer's node is the connection's certificate's, the workspace host comes from {@code :authority}, and the
 * socket is opened on this node only if the store places the workspace here ({@link RelayDecision});
 * otherwise the stream ends with the refusal's status and reason, having touched no socket. Each refusal
 * is logged with the peer's node.
 */
final class MuxStreamAcceptHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "relay-stream-accept";
    private static final Logger log = LoggerFactory.getLogger(MuxStreamAcceptHandler.class);

    private final String ownNode;
    private final String peerNode;
    private final RelayRoutes routes;
    private final UpstreamConnector connector;
    private boolean deciding;
    private boolean refused;

    MuxStreamAcceptHandler(String ownNode, String peerNode, RelayRoutes routes, UpstreamConnector connector) {
        this.ownNode = ownNode;
        this.peerNode = peerNode;
        this.routes = routes;
        this.connector = connector;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (deciding || !(msg instanceof Http2HeadersFrame headers)) {
            ReferenceCountUtil.release(msg);
            refuse(ctx, new RelayDecision(400, "data before the relay's answer"));
            return;
        }
        String hostname;
        try {
            hostname = RelayMuxProtocol.hostOf(headers.headers());
        } catch (IllegalArgumentException e) {
            refuse(ctx, new RelayDecision(400, e.getMessage()));
            return;
        }
        if (headers.isEndStream()) {
            refuse(ctx, new RelayDecision(400, "the stream ended with its opening headers"));
            return;
        }
        deciding = true;
        ctx.channel().config().setAutoRead(false);
        RelaySocket.open(ctx.channel(), ownNode, routes, connector, hostname, SocketKind.HTTP,
                (socket, route) -> splice(ctx, socket, route), decision -> refuse(ctx, decision));
    }

    private void splice(ChannelHandlerContext ctx, Channel socket, Route route) {
        Channel stream = ctx.channel();
        stream.closeFuture().addListener(closed -> socket.close());
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(RelayMuxProtocol.answer(RelayDecision.ALLOW)));
        stream.pipeline().remove(this);
        RelayHandler.join(stream, socket);
        log.debug("{} relay from node {} to workspace {} (http, multiplexed)", stream, peerNode, route.workspaceId());
    }

    private void refuse(ChannelHandlerContext ctx, RelayDecision decision) {
        if (refused) {
            return;
        }
        refused = true;
        log.info("{} relay refused node {}: {} {}", ctx.channel(), peerNode, decision.status(), decision.reason());
        // Reads on (and drops) until the proxy ends the stream too.
        ctx.channel().config().setAutoRead(true);
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(RelayMuxProtocol.answer(decision), true))
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{} relayed stream failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
