package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.ProxySession;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.Revocations;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.SessionCookie;
import io.netty.channel.ChannelHandlerContext;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the proxy's session cookie from every request, and authenticates requests that came
 * without proxy credentials by it: the session must exist, be for exactly this host, be unexpired
 * and unrevoked. Without one, a request in a tunnel is refused with a sign-in hint (a 407 inside a
 * tunnel means nothing to a browser); outside a tunnel it gets the usual 407 challenge.
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
        String cookie = SessionCookie.strip(authenticated.request().headers());
        if (authenticated.principal() != null) {
            ctx.fireChannelRead(authenticated);
            return;
        }
        Refusal unauthenticated = authenticated.tunnel() != null ? Refusal.SIGN_IN_REQUIRED : Refusal.AUTH_REQUIRED;
        String host = authenticated.targetHost();
        if (cookie == null || host == null) {
            log.debug("{} {} refused: no credentials", ctx.channel(), authenticated.request().method());
            refuse(ctx, authenticated.request(), unauthenticated);
            return;
        }
        await(ctx, sessions.find(cookie), authenticated, (session, error) -> {
            if (error != null) {
                log.debug("{} session lookup failed: {}", ctx.channel(), error.toString());
                refuse(ctx, authenticated.request(), Refusal.STORE_UNAVAILABLE);
            } else if (!usable(session, host)) {
                log.debug("{} {} refused: no valid session for {}", ctx.channel(), authenticated.request().method(),
                        host);
                refuse(ctx, authenticated.request(), unauthenticated);
            } else {
                ProxySession s = session.get();
                ctx.fireChannelRead(authenticated.as(new Principal(s.user(), SESSION_ID, s.createdAt(), s.expiresAt())));
            }
        });
    }

    private boolean usable(Optional<ProxySession> session, String host) {
        return session.isPresent() && sessions.isValidFor(session.get(), host)
                && !revocations.isRevoked(session.get().user(), session.get().createdAt());
    }
}
