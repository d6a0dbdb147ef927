package dev.codermon.proxy.pipeline;

import dev.codermon.auth.BootstrapGrant;
import dev.codermon.auth.InvalidTokenException;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.Revocations;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.SessionCookie;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code /__codermon/auth?token=<one-time bootstrap token>} on any workspace host itself: the
 * token must verify as a bootstrap token for exactly this host, be unused (it is consumed here) and
 * unrevoked; then a session opens, its cookie is set for this host only, and the browser is sent to
 * {@code /} without the token. Such requests never reach an upstream, with or without credentials.
 */
final class SignInHandler extends PausingStageHandler {

    static final String PATH = "/__codermon/auth";
    /** A part of {@link #PATH} that every unencoded spelling of it contains. */
    private static final String MARKER = "__codermon";
    private static final Logger log = LoggerFactory.getLogger(SignInHandler.class);
    private static final AsciiString REFERRER_POLICY = AsciiString.cached("referrer-policy");
    private static final AsciiString NO_REFERRER = AsciiString.cached("no-referrer");

    private final TokenVerifier verifier;
    private final ProxySessions sessions;
    private final Revocations revocations;

    SignInHandler(TokenVerifier verifier, ProxySessions sessions, Revocations revocations, ReadSuspension reads) {
        super(reads, ReadSuspension.SIGN_IN);
        this.verifier = verifier;
        this.sessions = sessions;
        this.revocations = revocations;
    }

    @Override
    void onUnqueuedMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof AuthenticatedRequest authenticated)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String uri = authenticated.request().uri();
        if (!uri.contains(MARKER) && uri.indexOf('%') < 0) {
            // Cannot name the sign-in path, not even percent-encoded: skip parsing the target again.
            ctx.fireChannelRead(msg);
            return;
        }
        String originForm = authenticated.originForm();
        String host = authenticated.targetHost();
        QueryStringDecoder query;
        try {
            query = originForm == null ? null : new QueryStringDecoder(originForm);
            if (host == null || query == null || !query.path().equals(PATH)) {
                ctx.fireChannelRead(msg);
                return;
            }
        } catch (IllegalArgumentException e) {
            // Not a path this stage can read (a bad percent escape): not the sign-in path either.
            ctx.fireChannelRead(msg);
            return;
        }
        signIn(ctx, authenticated, host, query.parameters().get("token"));
    }

    private void signIn(ChannelHandlerContext ctx, AuthenticatedRequest authenticated, String host, List<String> tokens) {
        HttpRequest request = authenticated.request();
        BootstrapGrant grant;
        try {
            grant = verifier.verifyBootstrap(tokens == null || tokens.size() != 1 ? null : tokens.get(0));
        } catch (InvalidTokenException e) {
            log.debug("{} sign-in link refused: {}", ctx.channel(), e.getMessage());
            refuse(ctx, request, Refusal.invalidSignInLink(e.getMessage()));
            return;
        }
        if (!grant.hostname().equals(host)) {
            refuse(ctx, request, Refusal.SIGN_IN_LINK_OTHER_HOST);
            return;
        }
        if (revocations.isRevoked(grant.user(), grant.issuedAt())) {
            refuse(ctx, request, Refusal.SIGN_IN_LINK_REVOKED);
            return;
        }
        discardBody();
        boolean secure = authenticated.tunnel() != null && authenticated.tunnel().tls();
        await(ctx, sessions.open(grant), authenticated, (cookie, error) -> {
            if (error != null) {
                log.warn("{} cannot open a session: {}", ctx.channel(), error.toString());
                refuse(ctx, request, Refusal.STORE_UNAVAILABLE);
            } else if (cookie.isEmpty()) {
                refuse(ctx, request, Refusal.SIGN_IN_LINK_USED);
            } else {
                log.debug("{} session opened for {} at {}", ctx.channel(), grant.user(), host);
                redirectHome(ctx, request, cookie, secure);
            }
        });
    }

    private void redirectHome(ChannelHandlerContext ctx, HttpRequest request, Optional<String> cookie, boolean secure) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND,
                Unpooled.EMPTY_BUFFER);
        response.headers()
                .set(HttpHeaderNames.LOCATION, "/")
                .set(HttpHeaderNames.SET_COOKIE, SessionCookie.set(cookie.get(), sessions.ttl(), secure))
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(REFERRER_POLICY, NO_REFERRER)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
