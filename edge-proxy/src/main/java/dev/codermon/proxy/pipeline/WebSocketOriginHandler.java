package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.HopByHopHeaders;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses WebSocket handshakes whose {@code Origin} is not the workspace's own, so that a page on
 * another site cannot open a workspace's WebSocket with the credentials the browser attaches for it.
 */
final class WebSocketOriginHandler extends RequestStageHandler {

    private static final Logger log = LoggerFactory.getLogger(WebSocketOriginHandler.class);

    @Override
    void onMessage(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Exchange exchange
                && HopByHopHeaders.isWebSocketUpgrade(exchange.request.headers())) {
            String host = exchange.target.host();
            String origin = exchange.request.headers().get(HttpHeaderNames.ORIGIN);
            if (host != null && !WebSocketOrigins.allowed(origin, host)) {
                log.debug("{} WebSocket to {} refused: foreign Origin", ctx.channel(), host);
                refuse(ctx, exchange, Refusal.FOREIGN_WEBSOCKET_ORIGIN);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
