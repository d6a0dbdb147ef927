package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.ProxySession;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.Revocations;
import dev.codermon.proxy.http.BrowserNavigation;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.ReturnPath;
import dev.codermon.proxy.http.SessionCookie;
import io.netty.channel.ChannelHandlerContext;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the proxy's session cookies from every request, and authenticates requests that came
 * without proxy credentials by the one of their transport ({@link SessionCookie}): the session must exist,
 * be for exactly this host, be unexpired and unrevoked; several cookies of that name are refused (400). Without one, outside a tunnel a request gets the usual 407 challenge. Inside a
 * tunnel a 407 means nothing to a browser: a navigation in a TLS tunnel is redirected to the plain
 * http login ({@link LoginHandler}), where the browser can answer a challenge with its proxy
 * credentials, and everything else is refused with a sign-in hint.
 */
final class SessionAuthHandler extends PausingStageHandler {

    private static final Logger log = LoggerFactory.getLogger(SessionAuthHandler.class);
    /** Stands in for a token id on session principals; never logged or stored. */
    private static final String SESSION_ID = "session";

    private final ProxySessions sessions;
    private final Revocations revocations;

    SessionAuthHandler(ProxySessions sessions, Revocations revocations, ReadSuspension reads) {
        super(reads, ReadSuspension.SESSION_LOOKUP);
        this.sessions = sessions;
        this.revocations = revocations;
    }

    @Override
    void onUnqueuedMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof AuthenticatedRequest authenticated)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Tunnel tunnel = authenticated.tunnel();
        String cookie = SessionCookie.strip(authenticated.request().headers(), tunnel != null && tunnel.tls());
        if (authenticated.principal() != null) {
            ctx.fireChannelRead(authenticated);
            return;
        }
        if (cookie == SessionCookie.AMBIGUOUS) {
            // Several cookies of the name: one may be tossed by another host; which one is the user's is unknowable.
            log.debug("{} {} refused: several session cookies", ctx.channel(), authenticated.request().method());
            refuse(ctx, authenticated.request(), Refusal.AMBIGUOUS_SESSION_COOKIE);
            return;
        }
        String host = authenticated.targetHost();
        if (cookie == null || host == null) {
            log.debug("{} {} refused: no credentials", ctx.channel(), authenticated.request().method());
            unauthenticated(ctx, authenticated);
            return;
        }
        await(ctx, sessions.find(cookie), authenticated, (session, error) -> {
            if (error != null) {
                log.debug("{} session lookup failed: {}", ctx.channel(), error.toString());
                refuse(ctx, authenticated.request(), Refusal.STORE_UNAVAILABLE);
            } else if (!usable(session, host)) {
                log.debug("{} {} refused: no valid session for {}", ctx.channel(), authenticated.request().method(),
                        host);
                unauthenticated(ctx, authenticated);
            } else {
                ProxySession s = session.get();
                ctx.fireChannelRead(authenticated.as(new Principal(s.user(), SESSION_ID, s.createdAt(), s.expiresAt())));
            }
        });
    }

    /** Answers a request that no credential speaks for: a login redirect, a sign-in hint or a 407. */
    private void unauthenticated(ChannelHandlerContext ctx, AuthenticatedRequest authenticated) {
        Tunnel tunnel = authenticated.tunnel();
        if (tunnel == null) {
            refuse(ctx, authenticated.request(), Refusal.AUTH_REQUIRED);
        } else if (tunnel.tls() && BrowserNavigation.isNavigation(authenticated.request())) {
            discardBody();
            redirect(ctx, authenticated.request(),
                    LoginHandler.loginUrl(tunnel.host(), ReturnPath.sanitize(authenticated.originForm())), null);
        } else {
            refuse(ctx, authenticated.request(), Refusal.SIGN_IN_REQUIRED);
        }
    }

    private boolean usable(Optional<ProxySession> session, String host) {
        return session.isPresent() && sessions.isValidFor(session.get(), host)
                && !revocations.isRevoked(session.get().user(), session.get().createdAt());
    }
}
