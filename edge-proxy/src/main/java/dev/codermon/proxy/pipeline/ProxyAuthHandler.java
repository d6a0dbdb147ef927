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
 * 407 with a challenge when it is invalid; the connection stays open for the retry. A request without
 * the header goes on without a principal, for the sign-in link, session cookie and CONNECT :443
 * stages to decide (each refuses it when it grants nothing).
 *
 * <p>A busy connection sends the same header with every request: the last one that verified is kept,
 * and a request carrying exactly that header reuses its principal without decoding or looking it up
 * again. Expiry and revocation are still checked on every request.
 */
final class ProxyAuthHandler extends RequestStageHandler {

    private static final Logger log = LoggerFactory.getLogger(ProxyAuthHandler.class);

    private final ProxyAuthenticator authenticator;
    private String lastCredentials;
    private Principal lastPrincipal;

    ProxyAuthHandler(ProxyAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    void onMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String credentials = request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION);
        if (credentials == null || credentials.isBlank()) {
            ctx.fireChannelRead(new AuthenticatedRequest(request, null, null, Exchanges.of(ctx.channel(), request)));
            return;
        }
        Principal principal;
        try {
            if (lastPrincipal != null && credentials.equals(lastCredentials)) {
                principal = lastPrincipal;
                authenticator.requireValid(principal);
            } else {
                principal = authenticator.authenticate(credentials);
                lastCredentials = credentials;
                lastPrincipal = principal;
            }
        } catch (AuthenticationException e) {
            lastPrincipal = null;
            log.debug("{} {} refused: {}", ctx.channel(), request.method(), e.getMessage());
            refuse(ctx, request, e.refusal());
            return;
        }
        request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        ctx.fireChannelRead(new AuthenticatedRequest(request, principal, null, Exchanges.of(ctx.channel(), request)));
    }
}
