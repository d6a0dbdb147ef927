package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import dev.codermon.proxy.http.ProxyAuthenticator;
import dev.codermon.proxy.http.ProxyAuthenticator.AuthenticationException;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Authenticates requests inside an accepted CONNECT tunnel by the CONNECT's principal, checking on
 * each request that its token is still valid (unexpired, unrevoked). A tunnel opened without
 * credentials has no principal: its requests go on without one, to be authenticated by a session
 * cookie or a sign-in link. Replaces {@link ProxyAuthHandler} once a tunnel opens.
 */
final class TunnelAuthHandler extends RequestStageHandler {

    private final ProxyAuthenticator authenticator;
    private final Principal principal;
    private final Tunnel tunnel;

    /** Creates the handler; the principal is null for a tunnel opened without credentials. */
    TunnelAuthHandler(ProxyAuthenticator authenticator, Principal principal, Tunnel tunnel) {
        this.authenticator = authenticator;
        this.principal = principal;
        this.tunnel = tunnel;
    }

    @Override
    void onMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            refuse(ctx, request, Refusal.NESTED_CONNECT);
            return;
        }
        if (principal != null) {
            try {
                authenticator.requireValid(principal);
            } catch (AuthenticationException e) {
                refuse(ctx, request, e.refusal());
                return;
            }
        }
        request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        ctx.fireChannelRead(new AuthenticatedRequest(request, principal, tunnel));
    }
}
