package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.SessionCookie;
import dev.codermon.auth.BootstrapGrant;
import dev.codermon.auth.InvalidTokenException;
import dev.codermon.auth.SignInPaths;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.ProxySessions.Redemption;
import dev.codermon.proxy.access.Revocations;
import dev.codermon.proxy.http.Refusal;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code /__codermon/auth} on any workspace host itself, with or without credentials; such
 * requests never reach an upstream. Two things open a session there:
 *
 * <ul>
 *   <li>{@code ?token=<one-time bootstrap token>} (a sign-in link from the control plane): the token
 *       must verify as a bootstrap token for exactly this host, be unused (it is consumed here) and
 *       unrevoked; the browser is then sent to {@code /}. A link that another page opened without the
 *       person's click is not redeemed but answered with a page that asks first ({@link SignInConsent});
 *       its Continue button posts the link back, accepted only with the host's own {@code Origin};</li>
 *   <li>{@code ?code=<handoff code>&return=<path>} (the end of {@link LoginHandler}'s https handoff):
 *       the code must have been minted for exactly this host, be unexpired, unused (it is consumed
 *       here) and unrevoked; the browser is then sent to the checked return path.</li>
 * </ul>
 *
 * The session's cookie is set for this host only ({@code __Host-} and {@code Secure} inside TLS, see
 * {@link SessionCookie}), and the next URL carries neither token nor code.
 *
 * <p>The first of the own-path stages: it sees each request head first and passes every other one on
 * with its tunnel fixed and its target parsed ({@link Exchange#enter}), for the login stage and then
 * {@link AuthenticateHandler}.
 */
final class SignInHandler extends PausingStageHandler {

    private static final Logger log = LoggerFactory.getLogger(SignInHandler.class);

    private final TokenVerifier verifier;
    private final ProxySessions sessions;
    private final Revocations revocations;
    private final java.util.Set<String> consoleOrigins;
    private final ConnectionCredentials credentials;

    SignInHandler(TokenVerifier verifier, ProxySessions sessions, Revocations revocations,
            java.util.Set<String> consoleOrigins, ConnectionCredentials credentials, ReadSuspension reads) {
        super(reads, ReadSuspension.SIGN_IN);
        this.credentials = credentials;
        this.verifier = verifier;
        this.sessions = sessions;
        this.revocations = revocations;
        this.consoleOrigins = consoleOrigins;
    }

    @Override
    void onUnqueuedMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        // The first stage after the front: the exchange enters the stages, its target parsed once.
        exchange.enter(credentials.tunnel());
        QueryStringDecoder query = exchange.target.ownPath(SignInPaths.AUTH);
        if (query == null) {
            ctx.fireChannelRead(exchange);
            return;
        }
        String host = exchange.target.host();
        Map<String, List<String>> parameters = query.parameters();
        List<String> codes = parameters.get("code");
        if (codes != null && !parameters.containsKey("token")) {
            redeem(ctx, exchange, host, codes.size() == 1 ? codes.get(0) : null, parameters.get("return"));
        } else {
            signIn(ctx, exchange, host, parameters.get("token"));
        }
    }

    private void signIn(ChannelHandlerContext ctx, Exchange exchange, String host, List<String> tokens) {
        HttpRequest request = exchange.request;
        BootstrapGrant grant;
        try {
            grant = verifier.verifyBootstrap(tokens == null || tokens.size() != 1 ? null : tokens.get(0));
        } catch (InvalidTokenException e) {
            log.debug("{} sign-in link refused: {}", ctx.channel(), e.getMessage());
            refuse(ctx, exchange, Refusal.invalidSignInLink(e.getMessage()));
            return;
        }
        if (!grant.hostname().equals(host)) {
            refuse(ctx, exchange, Refusal.SIGN_IN_LINK_OTHER_HOST);
            return;
        }
        if (revocations.isRevoked(grant.user(), grant.issuedAt())) {
            refuse(ctx, exchange, Refusal.SIGN_IN_LINK_REVOKED);
            return;
        }
        boolean secure = exchange.tunnel != null && exchange.tunnel.tls();
        if (HttpMethod.POST.equals(request.method())) {
            // The Continue button of the page below: only that host's own page may post it.
            if (!SignInConsent.isOwnOrigin(request, host, secure)) {
                log.debug("{} sign-in confirmation refused: foreign Origin", ctx.channel());
                refuse(ctx, exchange, Refusal.SIGN_IN_FOREIGN_ORIGIN);
                return;
            }
        } else if (!SignInConsent.isDirect(request, consoleOrigins)) {
            // Another page sent the browser here without the person's click (or framed it): ask, and
            // keep the link unused until they confirm.
            log.debug("{} sign-in link at {} needs confirming", ctx.channel(), host);
            discardBody();
            String token = tokens.get(0);
            answer(ctx, exchange,
                    keepAlive -> SignInConsent.page(ctx.alloc(), SignInPaths.AUTH, token, host, grant.user(), keepAlive));
            return;
        }
        discardBody();
        await(ctx, sessions.open(grant), exchange, (cookie, error) -> {
            if (error != null) {
                log.warn("{} cannot open a session: {}", ctx.channel(), error.toString());
                refuse(ctx, exchange, Refusal.STORE_UNAVAILABLE);
            } else if (cookie.isEmpty()) {
                refuse(ctx, exchange, Refusal.SIGN_IN_LINK_USED);
            } else {
                log.debug("{} session opened for {} at {}", ctx.channel(), grant.user(), host);
                redirect(ctx, exchange, ReturnPath.HOME, SessionCookie.set(cookie.get(), sessions.ttl(), secure));
            }
        });
    }

    private void redeem(ChannelHandlerContext ctx, Exchange exchange, String host, String code,
            List<String> returns) {
        HttpRequest request = exchange.request;
        String returnPath = ReturnPath.sanitize(returns == null || returns.size() != 1 ? null : returns.get(0));
        boolean secure = exchange.tunnel != null && exchange.tunnel.tls();
        discardBody();
        await(ctx, sessions.redeemHandoff(code, host, revocations), exchange, (redemption, error) -> {
            if (error != null) {
                log.warn("{} cannot redeem a handoff code: {}", ctx.channel(), error.toString());
                refuse(ctx, exchange, Refusal.STORE_UNAVAILABLE);
                return;
            }
            Refusal refusal = refusalOf(redemption);
            if (refusal != null) {
                log.debug("{} handoff code refused at {}: {}", ctx.channel(), host, redemption.outcome());
                refuse(ctx, exchange, refusal);
                return;
            }
            log.debug("{} session opened by handoff for {} at {}", ctx.channel(), redemption.user(), host);
            redirect(ctx, exchange, returnPath, SessionCookie.set(redemption.cookie(), sessions.ttl(), secure));
        });
    }

    private static Refusal refusalOf(Redemption redemption) {
        return switch (redemption.outcome()) {
            case REDEEMED -> null;
            case UNKNOWN_OR_EXPIRED -> Refusal.SIGN_IN_CODE_EXPIRED;
            case ALREADY_USED -> Refusal.SIGN_IN_CODE_USED;
            case OTHER_HOST -> Refusal.SIGN_IN_CODE_OTHER_HOST;
            case REVOKED -> Refusal.SIGN_IN_CODE_REVOKED;
        };
    }
}
