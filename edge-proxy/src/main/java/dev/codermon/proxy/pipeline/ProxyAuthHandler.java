package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import dev.codermon.proxy.http.ProxyAuthenticator;
import dev.codermon.proxy.http.ProxyAuthenticator.AuthenticationException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every request (and every CONNECT) by its {@code Proxy-Authorization} header, answering
 * 407 with a challenge when it is missing or invalid; the connection stays open for the retry.
 */
final class ProxyAuthHandler extends RequestStageHandler {

    private static final Logger log = LoggerFactory.getLogger(ProxyAuthHandler.class);

    private final ProxyAuthenticator authenticator;

    ProxyAuthHandler(ProxyAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    void onMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Principal principal;
        try {
            principal = authenticator.authenticate(request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION));
        } catch (AuthenticationException e) {
            log.debug("{} {} refused: {}", ctx.channel(), request.method(), e.getMessage());
            refuse(ctx, request, e.refusal());
            return;
        }
        request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        ctx.fireChannelRead(new AuthenticatedRequest(request, principal, null));
    }
}
