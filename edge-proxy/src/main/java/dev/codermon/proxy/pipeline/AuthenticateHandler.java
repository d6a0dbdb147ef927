package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.SessionCookie;
import dev.codermon.auth.Principal;
import dev.codermon.auth.route.ProxySession;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.ProxyAuthenticator.AuthenticationException;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whom every request that is not one of the proxy's own paths speaks for, in one place: its
 * {@code Proxy-Authorization} header or the CONNECT tunnel it came in ({@link ConnectionCredentials}),
 * else the session cookie of its transport ({@link SessionCookie}: the session must exist and be for
 * exactly this host; several cookies of that name are refused, 400). Every principal, a session's too,
 * passes the one expiry and revocation check. The proxy's session cookies are removed from every request.
 *
 * <p>Invalid credentials get a {@code 407} with a challenge, and the connection stays open for the
 * retry. A CONNECT without credentials goes on without a principal (it grants nothing by itself).
 * Without any credential, outside a tunnel a request gets the usual 407 challenge; inside a tunnel a 407
 * means nothing to a browser: a navigation in a TLS tunnel is redirected to the plain http login
 * ({@link LoginHandler}), where the browser can answer a challenge, and everything else is refused with
 * a sign-in hint.
 */
final class AuthenticateHandler extends PausingStageHandler {

    private static final Logger log = LoggerFactory.getLogger(AuthenticateHandler.class);
    /** Stands in for a token id on session principals; never logged or stored. */
    private static final String SESSION_ID = "session";

    private final ConnectionCredentials credentials;
    private final ProxySessions sessions;

    AuthenticateHandler(ConnectionCredentials credentials, ProxySessions sessions, ReadSuspension reads) {
        super(reads, ReadSuspension.SESSION_LOOKUP);
        this.credentials = credentials;
        this.sessions = sessions;
    }

    @Override
    void onUnqueuedMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (exchange.target == null) {
            // No own-path stage before this one (a pipeline without them, in unit tests).
            exchange.enter(credentials.tunnel());
        }
        HttpRequest request = exchange.request;
        Tunnel tunnel = exchange.tunnel;
        if (tunnel != null && HttpMethod.CONNECT.equals(request.method())) {
            refuse(ctx, exchange, Refusal.NESTED_CONNECT);
            return;
        }
        Principal principal;
        try {
            principal = credentials.resolve(request);
        } catch (AuthenticationException e) {
            log.debug("{} {} refused: {}", ctx.channel(), request.method(), e.getMessage());
            refuse(ctx, exchange, e.refusal());
            return;
        }
        String cookie = SessionCookie.strip(request.headers(), tunnel != null && tunnel.tls());
        if (principal != null) {
            ctx.fireChannelRead(exchange.as(principal));
            return;
        }
        if (tunnel == null && HttpMethod.CONNECT.equals(request.method())) {
            ctx.fireChannelRead(exchange);
            return;
        }
        if (cookie == SessionCookie.AMBIGUOUS) {
            // Several cookies of the name: one may be tossed by another host; which one is the user's is unknowable.
            log.debug("{} {} refused: several session cookies", ctx.channel(), request.method());
            refuse(ctx, exchange, Refusal.AMBIGUOUS_SESSION_COOKIE);
            return;
        }
        String host = exchange.target.host();
        if (cookie == null || host == null) {
            log.debug("{} {} refused: no credentials", ctx.channel(), request.method());
            unauthenticated(ctx, exchange);
            return;
        }
        await(ctx, sessions.find(cookie), exchange, (session, error) -> {
            if (error != null) {
                log.debug("{} session lookup failed: {}", ctx.channel(), error.toString());
                refuse(ctx, exchange, Refusal.STORE_UNAVAILABLE);
                return;
            }
            Principal bySession = usable(session, host);
            if (bySession == null) {
                log.debug("{} {} refused: no valid session for {}", ctx.channel(), request.method(), host);
                unauthenticated(ctx, exchange);
            } else {
                ctx.fireChannelRead(exchange.as(bySession));
            }
        });
    }

    /** Answers a request that no credential speaks for: a login redirect, a sign-in hint or a 407. */
    private void unauthenticated(ChannelHandlerContext ctx, Exchange exchange) {
        Tunnel tunnel = exchange.tunnel;
        if (tunnel == null) {
            refuse(ctx, exchange, Refusal.AUTH_REQUIRED);
        } else if (tunnel.tls() && BrowserNavigation.isNavigation(exchange.request)) {
            discardBody();
            redirect(ctx, exchange,
                    LoginHandler.loginUrl(tunnel.host(), ReturnPath.sanitize(exchange.target.originForm())), null);
        } else {
            refuse(ctx, exchange, Refusal.SIGN_IN_REQUIRED);
        }
    }

    /** Returns the session's principal if the session is for this host, unexpired and unrevoked; else null. */
    private Principal usable(Optional<ProxySession> found, String host) {
        if (found.isEmpty() || !sessions.isValidFor(found.get(), host)) {
            return null;
        }
        ProxySession s = found.get();
        Principal principal = new Principal(s.user(), SESSION_ID, s.createdAt(), s.expiresAt());
        try {
            credentials.requireValid(principal);
        } catch (AuthenticationException e) {
            return null;
        }
        return principal;
    }
}
