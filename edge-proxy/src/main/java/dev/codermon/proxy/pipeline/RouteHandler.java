package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.IdePath;
import dev.codermon.proxy.http.AppHost;
import dev.codermon.auth.Principal;
import dev.codermon.auth.route.Route;
import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.RequestTarget;
import dev.codermon.proxy.http.RequestTarget.MalformedAuthorityException;
import dev.codermon.proxy.http.ResponseDefences;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.routes.RouteTable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where an exchange request may go: the target must pass the egress policy and be the
 * host of a running workspace owned by the principal, or an app host ({@code <port>.<workspace-host>})
 * of one, which goes to the same upstream with {@code Host} unchanged (code-server forwards it to the
 * port inside the workspace) unless the policy closes that port. On the workspace host itself (the IDE's
 * origin) {@link IdeRequests} refuses what no page may do there, and each routed request carries the
 * response defences of its host and path ({@link ResponseDefences}). Routes come from the in-memory route
 * table: the decision is made at once, on the event loop, except for a hostname the table lacks: its route
 * may have been written a moment ago and not have reached this proxy yet (a client that uses a workspace
 * right after the API said it is running), so the route follower reads the store's changes first and the
 * decision waits for that read, at most {@link RouteTable#READ_WAIT_MILLIS} ms. Another person's workspace host
 * waits for the same read, so that a refusal takes as long whether the workspace exists or not.
 */
final class RouteHandler extends PausingStageHandler {

    private static final Logger log = LoggerFactory.getLogger(RouteHandler.class);

    private final TargetPolicy policy;
    private final WorkspaceRoutes routes;
    private final LiveConnections connections;
    /** What this connection was last bound to, so that a busy connection binds once, not per request. */
    private Principal boundPrincipal;
    private Route boundRoute;
    private String appDefencesHost;
    private ResponseDefences appDefences;

    RouteHandler(TargetPolicy policy, WorkspaceRoutes routes, LiveConnections connections, ReadSuspension reads) {
        super(reads, ReadSuspension.ROUTE_READ);
        this.policy = policy;
        this.routes = routes;
        this.connections = connections;
    }

    @Override
    void onUnqueuedMessage(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Exchange exchange) {
            resolve(ctx, exchange);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void resolve(ChannelHandlerContext ctx, Exchange exchange) {
        RequestTarget target = targetOf(ctx, exchange);
        if (target == null) {
            return;
        }
        AppHost app = exchange.target.app;
        Route route = routes.lookup(target.host(), app);
        if (routes.decidesNow(route, exchange.principal)) {
            decide(ctx, exchange, target, app, route);
            return;
        }
        await(ctx, routes.readSoon(), exchange, (ignored, error) -> decide(ctx, exchange, target, app,
                routes.lookup(target.host(), app)));
    }

    /** Returns the checked target (parsed once, in the exchange), or null after refusing the request. */
    private RequestTarget targetOf(ChannelHandlerContext ctx, Exchange exchange) {
        HttpRequest request = exchange.request;
        ExchangeTarget parsed = exchange.target;
        if (parsed.refusal != null) {
            log.debug("{} {} refused: {}", ctx.channel(), request.method(), parsed.refusal.reason());
            refuse(ctx, exchange, null, parsed.refusal);
            return null;
        }
        String hostHeader = request.headers().get(HttpHeaderNames.HOST);
        Tunnel tunnel = exchange.tunnel;
        RequestTarget target = parsed.parsed;
        if (tunnel != null) {
            // Matched against the tunnel (port 80 or 443); the policy then sees the bare host.
            // An absolute-form target inside a tunnel must agree with its Host header as well.
            Refusal mismatch = !tunnel.admits(target) ? Refusal.TUNNEL_HOST_MISMATCH
                    : parsed.absolute && hostHeader != null ? tunnelHostHeader(tunnel, hostHeader) : null;
            if (mismatch != null) {
                refuse(ctx, exchange, null, mismatch);
                return null;
            }
            target = new RequestTarget(target.host(), RequestTarget.NO_PORT, target.originForm());
        }
        Refusal refusal = policy.check(target);
        if (refusal == null && hostHeader == null) {
            request.headers().set(HttpHeaderNames.HOST, target.authority());
        } else if (refusal == null && tunnel == null) {
            refusal = checkHostHeader(target, hostHeader);
        }
        if (refusal != null) {
            log.debug("{} {} {} refused: {}", ctx.channel(), request.method(), target.host(), refusal.reason());
            refuse(ctx, exchange, null, refusal);
            return null;
        }
        return target;
    }

    /** Returns why the Host header of an absolute-form request in a tunnel is refused, or null if it names the tunnel. */
    private static Refusal tunnelHostHeader(Tunnel tunnel, String hostHeader) {
        try {
            return tunnel.admits(parseHost(hostHeader)) ? null : Refusal.TUNNEL_HOST_MISMATCH;
        } catch (MalformedAuthorityException e) {
            return Refusal.MALFORMED_HOST;
        } catch (IllegalArgumentException e) {
            return Refusal.TUNNEL_HOST_MISMATCH;
        }
    }

    /** Returns why the Host header of an absolute-form request is refused (malformed, or naming another authority), or null. */
    private static Refusal checkHostHeader(RequestTarget target, String hostHeader) {
        if (target.port() == RequestTarget.NO_PORT && hostHeader.equals(target.host())) {
            return null;
        }
        try {
            return target.sameAuthority(parseHost(hostHeader)) ? null : Refusal.HOST_HEADER_MISMATCH;
        } catch (MalformedAuthorityException e) {
            return Refusal.MALFORMED_HOST;
        }
    }

    private static RequestTarget parseHost(String hostHeader) {
        if (hostHeader == null) {
            throw new IllegalArgumentException("no Host header");
        }
        return RequestTarget.parseAuthority(hostHeader.strip());
    }

    private void decide(ChannelHandlerContext ctx, Exchange exchange, RequestTarget target,
            AppHost app, Route route) {
        HttpRequest request = exchange.request;
        Refusal refusal = routes.check(route, exchange.principal, app);
        IdePath idePath = null;
        if (refusal == null && app == null) {
            idePath = IdePath.classify(target.originForm());
            refusal = IdeRequests.check(request, idePath);
        }
        if (route == null || refusal == Refusal.NO_ROUTE) {
            // None of this principal's: the access log names no workspace either.
            log.debug("{} {} {} refused: no route for {}", ctx.channel(), request.method(), target.host(),
                    exchange.principal.user());
            refuse(ctx, exchange, null, refusal);
            return;
        }
        if (refusal != null) {
            log.debug("{} {} {} refused: {}", ctx.channel(), request.method(), target.host(), refusal.reason());
            refuse(ctx, exchange, route.workspaceId(), refusal);
            return;
        }
        if (!exchange.principal.equals(boundPrincipal) || !route.equals(boundRoute)) {
            connections.bind(ctx.channel(), exchange.principal, route);
            boundPrincipal = exchange.principal;
            boundRoute = route;
        }
        // Outside a tunnel the target is the absolute-form one, parsed already: the log need not split it again.
        exchange.annotate(exchange.principal.user(), route.workspaceId(),
                exchange.tunnel == null ? target : null);
        exchange.forwarding = new Forwarding(route, target.originForm(), HttpUtil.isKeepAlive(request),
                exchange.tunnel != null && exchange.tunnel.tls(),
                app == null ? ResponseDefences.forIde(idePath) : appDefences(app), app == null ? -1 : app.port());
        ctx.fireChannelRead(exchange);
    }

    /** Returns an app host's response defences, kept for the last workspace (a connection seldom changes it). */
    private ResponseDefences appDefences(AppHost app) {
        if (!app.workspaceHost().equals(appDefencesHost)) {
            appDefences = ResponseDefences.forApp(app.workspaceHost());
            appDefencesHost = app.workspaceHost();
        }
        return appDefences;
    }
}
