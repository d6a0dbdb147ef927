package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import dev.codermon.proxy.http.ProxyAuthenticator;
import dev.codermon.proxy.http.ProxyAuthenticator.AuthenticationException;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates requests inside an accepted CONNECT tunnel by the CONNECT's principal, checking on
 * each request that its token is still valid (unexpired, unrevoked). A tunnel opened without
 * credentials has no principal, and grants nothing: each of its requests is authenticated on its own,
 * by its own {@code Proxy-Authorization} (checked as outside a tunnel: 407 if invalid) or else, further
 * on, by a session cookie or a sign-in link. Replaces {@link ProxyAuthHandler} once a tunnel opens.
 */
final class TunnelAuthHandler extends RequestStageHandler {

    private static final Logger log = LoggerFactory.getLogger(TunnelAuthHandler.class);

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
        Principal who = principal;
        String credentials = request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION);
        try {
            if (who != null) {
                authenticator.requireValid(who);
            } else if (credentials != null && !credentials.isBlank()) {
                who = authenticator.authenticate(credentials);
            }
        } catch (AuthenticationException e) {
            log.debug("{} {} in tunnel to {} refused: {}", ctx.channel(), request.method(), tunnel.host(),
                    e.getMessage());
            refuse(ctx, request, e.refusal());
            return;
        }
        request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        ctx.fireChannelRead(new AuthenticatedRequest(request, who, tunnel, Exchanges.of(ctx.channel(), request)));
    }
}
