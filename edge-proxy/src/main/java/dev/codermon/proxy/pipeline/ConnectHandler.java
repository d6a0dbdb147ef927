package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ProxyAuthenticator;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.RequestTarget;
import dev.codermon.proxy.http.TargetPolicy;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts an authenticated {@code CONNECT} to a workspace host on port 80 and keeps parsing the
 * tunnelled bytes as HTTP, so that every inner request still goes through route and forward checks.
 * The CONNECT itself grants nothing: it only fixes the principal and the host for the inner requests.
 */
final class ConnectHandler extends RequestStageHandler {

    private static final Logger log = LoggerFactory.getLogger(ConnectHandler.class);
    private static final HttpResponseStatus CONNECTION_ESTABLISHED =
            new HttpResponseStatus(200, "Connection Established");

    private final TargetPolicy policy;
    private final ProxyAuthenticator authenticator;

    ConnectHandler(TargetPolicy policy, ProxyAuthenticator authenticator) {
        this.policy = policy;
        this.authenticator = authenticator;
    }

    @Override
    void onMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof AuthenticatedRequest authenticated)
                || !HttpMethod.CONNECT.equals(authenticated.request().method())) {
            ctx.fireChannelRead(msg);
            return;
        }
        var request = authenticated.request();
        RequestTarget target;
        try {
            target = RequestTarget.parseAuthority(request.uri());
        } catch (IllegalArgumentException e) {
            refuse(ctx, request, Refusal.CONNECT_TARGET);
            return;
        }
        Refusal refusal = policy.checkConnect(target);
        if (refusal != null) {
            log.debug("{} CONNECT {} refused", ctx.channel(), target.host());
            refuse(ctx, request, refusal);
            return;
        }
        log.debug("{} CONNECT {} by {}", ctx.channel(), target.host(), authenticated.principal().user());
        // The CONNECT's (empty) body end follows; the tunnel's first request comes after it.
        discardBody();
        ctx.pipeline().replace(HandlerNames.PROXY_AUTH, HandlerNames.PROXY_AUTH,
                new TunnelAuthHandler(authenticator, authenticated.principal(), target.host()));
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, CONNECTION_ESTABLISHED,
                Unpooled.EMPTY_BUFFER));
    }
}
