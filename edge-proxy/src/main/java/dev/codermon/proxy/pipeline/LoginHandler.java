package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.AppHost;
import dev.codermon.auth.Principal;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.SignInPaths;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.ProxyAuthenticator.AuthenticationException;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.RequestTarget;
import dev.codermon.proxy.http.TargetPolicy;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code /__codermon/login?return=<path>} on any workspace host itself, to carry a browser
 * that holds proxy credentials into a session over https. Browsers send no {@code Proxy-Authorization}
 * inside a CONNECT tunnel and open their first {@code CONNECT :443} without credentials, so a first
 * https visit arrives in a tunnel without a principal; {@link AuthenticateHandler} sends such a
 * navigation here over plain http, where the proxy can challenge it:
 *
 * <ul>
 *   <li>without proxy credentials, outside a tunnel: {@code 407}, which the browser answers with its
 *       credentials;</li>
 *   <li>with credentials of the host's owner: a single-use handoff code ({@link ProxySessions#mintHandoff})
 *       and a redirect to {@code https://<host>/__codermon/auth?code=...&return=...}, where
 *       {@link SignInHandler} sets the session cookie over TLS;</li>
 *   <li>with anyone else's credentials, or for a host without a running workspace: {@code 403};</li>
 *   <li>in a tunnel without a principal (an https login URL): a navigation is sent to the http one.</li>
 * </ul>
 *
 * The return path is checked by {@link ReturnPath}. Such requests never reach an upstream. The
 * principal comes from the connection's own credentials ({@link ConnectionCredentials}, as
 * {@link AuthenticateHandler} resolves it), never from a session cookie.
 */
final class LoginHandler extends PausingStageHandler {

    private static final Logger log = LoggerFactory.getLogger(LoginHandler.class);

    private final TargetPolicy policy;
    private final WorkspaceRoutes routes;
    private final ProxySessions sessions;
    private final ConnectionCredentials credentials;

    LoginHandler(TargetPolicy policy, WorkspaceRoutes routes, ProxySessions sessions,
            ConnectionCredentials credentials, ReadSuspension reads) {
        super(reads, ReadSuspension.LOGIN);
        this.credentials = credentials;
        this.policy = policy;
        this.routes = routes;
        this.sessions = sessions;
    }

    /** Returns the plain-http login URL that brings a browser back to the (checked) return path on the host. */
    static String loginUrl(String host, String returnPath) {
        return "http://" + host + SignInPaths.LOGIN + "?return=" + URLEncoder.encode(returnPath, StandardCharsets.UTF_8);
    }

    /** Returns the https sign-in URL that redeems the handoff code and then goes to the return path. */
    static String handoffUrl(String host, String code, String returnPath) {
        return "https://" + host + SignInPaths.AUTH + "?code=" + code + "&return="
                + URLEncoder.encode(returnPath, StandardCharsets.UTF_8);
    }

    @Override
    void onUnqueuedMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder query = exchange.target.ownPath(SignInPaths.LOGIN);
        if (query == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        String host = exchange.target.host();
        login(ctx, exchange, host, ReturnPath.sanitize(single(query.parameters().get("return"))));
    }

    private void login(ChannelHandlerContext ctx, Exchange exchange, String host, String returnPath) {
        HttpRequest request = exchange.request;
        Principal principal;
        try {
            principal = credentials.resolve(request);
        } catch (AuthenticationException e) {
            log.debug("{} login at {} refused: {}", ctx.channel(), host, e.getMessage());
            refuse(ctx, exchange, e.refusal());
            return;
        }
        if (principal == null && exchange.tunnel == null) {
            log.debug("{} login at {} challenged: no credentials", ctx.channel(), host);
            refuse(ctx, exchange, Refusal.LOGIN_CREDENTIALS_REQUIRED);
            return;
        }
        if (principal == null) {
            // An https login URL in a tunnel without a principal (e.g. a browser upgrading http to https):
            // only plain http can carry proxy credentials.
            if (BrowserNavigation.isNavigation(request)) {
                discardBody();
                redirect(ctx, exchange, loginUrl(host, returnPath), null);
            } else {
                refuse(ctx, exchange, Refusal.SIGN_IN_REQUIRED);
            }
            return;
        }
        Refusal refusal = policy.check(exchange.tunnel != null
                // Outside a tunnel the target is absolute-form, parsed once in the exchange.
                ? new RequestTarget(host, RequestTarget.NO_PORT, SignInPaths.LOGIN) : exchange.target.parsed);
        if (refusal != null) {
            refuse(ctx, exchange, refusal);
            return;
        }
        discardBody();
        AppHost app = exchange.target.app;
        Route route = routes.lookup(host, app);
        if (routes.decidesNow(route, principal)) {
            login(ctx, exchange, principal, host, returnPath, app, route);
            return;
        }
        await(ctx, routes.readSoon(), exchange,
                (read, error) -> login(ctx, exchange, principal, host, returnPath, app, routes.lookup(host, app)));
    }

    private void login(ChannelHandlerContext ctx, Exchange exchange, Principal principal, String host,
            String returnPath, AppHost app, Route route) {
        Refusal closed = routes.check(route, principal, app);
        if (closed != null) {
            log.debug("{} login at {} refused for {}: {}", ctx.channel(), host, principal.user(), closed.reason());
            exchange.annotate(principal.user(), null, null);
            refuse(ctx, exchange, closed);
            return;
        }
        exchange.annotate(principal.user(), route.workspaceId(), null);
        handOff(ctx, exchange, principal, host, returnPath);
    }

    private void handOff(ChannelHandlerContext ctx, Exchange exchange, Principal principal,
            String host, String returnPath) {
        HttpRequest request = exchange.request;
        await(ctx, sessions.mintHandoff(principal.user(), host), exchange, (code, error) -> {
            if (error != null) {
                log.warn("{} cannot store a handoff code: {}", ctx.channel(), error.toString());
                refuse(ctx, exchange, Refusal.STORE_UNAVAILABLE);
                return;
            }
            log.debug("{} handoff to https for {} at {}", ctx.channel(), principal.user(), host);
            redirect(ctx, exchange, handoffUrl(host, code, returnPath), null);
        });
    }

    private static String single(List<String> values) {
        return values == null || values.size() != 1 ? null : values.get(0);
    }
}
