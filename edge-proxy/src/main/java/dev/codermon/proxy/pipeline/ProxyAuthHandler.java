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
 * Authenticates every request (and every CONNECT) by its {@code Proxy-Authorization} header, or, inside
 * an accepted CONNECT tunnel, by the CONNECT's principal; answers 407 with a challenge when the
 * credentials are invalid, and the connection stays open for the retry. Expiry and revocation are
 * checked on every request. A request without credentials (or in a tunnel opened without them) goes on
 * without a principal, for the sign-in link, session cookie and login stages to decide (each refuses it
 * when it grants nothing): a CONNECT alone grants nothing.
 *
 * <p>A busy connection sends the same header with every request: the last one that verified is kept,
 * and a request carrying exactly that header reuses its principal without decoding or looking it up
 * again.
 */
final class ProxyAuthHandler extends RequestStageHandler {

    private static final Logger log = LoggerFactory.getLogger(ProxyAuthHandler.class);

    private final ProxyAuthenticator authenticator;
    private String lastCredentials;
    private Principal lastPrincipal;
    /** The accepted CONNECT's target once the connection is a tunnel; else null. */
    private Tunnel tunnel;
    /** The CONNECT's principal inside a tunnel; null for a tunnel opened without credentials. */
    private Principal tunnelPrincipal;

    ProxyAuthHandler(ProxyAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** Creates the handler of a connection that is a tunnel already (the principal may be null). */
    static ProxyAuthHandler inTunnel(ProxyAuthenticator authenticator, Principal principal, Tunnel tunnel) {
        ProxyAuthHandler handler = new ProxyAuthHandler(authenticator);
        handler.enterTunnel(principal, tunnel);
        return handler;
    }

    /** Authenticates the requests that follow by the CONNECT's principal (null if it had no credentials). */
    void enterTunnel(Principal principal, Tunnel target) {
        tunnel = target;
        tunnelPrincipal = principal;
    }

    /** Returns the tunnel the connection became, or null. */
    Tunnel tunnel() {
        return tunnel;
    }

    @Override
    void onMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (tunnel != null && HttpMethod.CONNECT.equals(request.method())) {
            refuse(ctx, request, Refusal.NESTED_CONNECT);
            return;
        }
        String credentials = request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION);
        boolean none = credentials == null || credentials.isBlank();
        if (none && tunnel == null) {
            ctx.fireChannelRead(new AuthenticatedRequest(request, null, null, Exchanges.of(ctx.channel(), request)));
            return;
        }
        Principal principal;
        try {
            principal = tunnel == null ? byHeader(credentials) : inTunnel(credentials, none);
        } catch (AuthenticationException e) {
            if (tunnel == null) {
                lastPrincipal = null;
                log.debug("{} {} refused: {}", ctx.channel(), request.method(), e.getMessage());
            } else {
                log.debug("{} {} in tunnel to {} refused: {}", ctx.channel(), request.method(), tunnel.host(),
                        e.getMessage());
            }
            refuse(ctx, request, e.refusal());
            return;
        }
        request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        ctx.fireChannelRead(new AuthenticatedRequest(request, principal, tunnel, Exchanges.of(ctx.channel(), request)));
    }

    private Principal byHeader(String credentials) throws AuthenticationException {
        if (lastPrincipal != null && credentials.equals(lastCredentials)) {
            authenticator.requireValid(lastPrincipal);
            return lastPrincipal;
        }
        Principal principal = authenticator.authenticate(credentials);
        lastCredentials = credentials;
        lastPrincipal = principal;
        return principal;
    }

    /**
     * Returns the CONNECT's principal, still valid; in a tunnel opened without credentials, the request's
     * own (checked as outside a tunnel), or null without any.
     */
    private Principal inTunnel(String credentials, boolean none) throws AuthenticationException {
        if (tunnelPrincipal != null) {
            authenticator.requireValid(tunnelPrincipal);
            return tunnelPrincipal;
        }
        return none ? null : authenticator.authenticate(credentials);
    }
}
