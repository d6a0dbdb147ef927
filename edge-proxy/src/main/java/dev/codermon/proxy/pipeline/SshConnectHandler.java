package dev.codermon.proxy.pipeline;

import dev.codermon.auth.WorkspaceSocket;
import dev.codermon.auth.route.Route;
import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.http.AppHost;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.RequestTarget;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamConnector;
import dev.codermon.proxy.upstream.UpstreamUnreachable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens SSH into a workspace: {@code CONNECT <workspace host>:22} with {@code Proxy-Authorization} (a
 * session cookie never counts: the authenticate stage reads none for a CONNECT) becomes a raw tunnel to
 * that workspace's SSH socket ({@link WorkspaceSocket#sshSocketBeside}), if the route is the caller's.
 * Anything else to port 22 is refused before any byte reaches an SSH server: app hosts and other hosts
 * ({@code 403}), no credentials ({@code 407}), no running workspace of the caller's ({@code 403}), no SSH
 * server in the workspace ({@code 502}). Other messages pass by.
 *
 * <p>Once the checks that need no lookup passed, the HTTP decoder leaves the pipeline at once, inside the
 * read that brought the CONNECT, so that bytes an SSH client sends before the {@code 200} (its version
 * line) are never parsed as HTTP; they wait here with later messages and go to the SSH server first. From
 * then on a refusal closes the connection. The tunnel is bound to the principal and the route
 * ({@link LiveConnections}), so revocation and route removal close it like any other tunnel.
 */
final class SshConnectHandler extends RequestStageHandler {

    private static final Logger log = LoggerFactory.getLogger(SshConnectHandler.class);
    static final int SSH_PORT = 22;
    private static final HttpResponseStatus CONNECTION_ESTABLISHED =
            new HttpResponseStatus(200, "Connection Established");

    static final Refusal SSH_TARGET = new Refusal(HttpResponseStatus.FORBIDDEN,
            "SSH (CONNECT to port 22) reaches workspace hosts only: <workspace>.<user>.<domain>:22");
    static final Refusal SSH_CREDENTIALS_REQUIRED = new Refusal(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED,
            "SSH through the proxy needs Proxy-Authorization (Basic user:token or Bearer token); see docs/ssh.md");
    static final Refusal SSH_UNAVAILABLE = new Refusal(HttpResponseStatus.BAD_GATEWAY,
            "this workspace has no SSH server (its runtime or image has none; see docs/ssh.md)");

    private final TargetPolicy policy;
    private final WorkspaceRoutes routes;
    private final LiveConnections connections;
    private final UpstreamConnector connector;
    private final ActivityRecorder activity;
    private final ReadSuspension reads;
    /** The SSH server's connection while the tunnel is being set up: bytes held meanwhile go there first. */
    private Channel upstream;

    SshConnectHandler(TargetPolicy policy, WorkspaceRoutes routes, LiveConnections connections,
            UpstreamConnector connector, ActivityRecorder activity, ReadSuspension reads) {
        this.policy = policy;
        this.routes = routes;
        this.connections = connections;
        this.connector = connector;
        this.activity = activity;
        this.reads = reads;
    }

    @Override
    void onMessage(ChannelHandlerContext ctx, Object msg) {
        if (upstream != null) {
            // Raw bytes that came before the tunnel was up (an SSH client's version line): to the server first.
            if (msg instanceof ByteBuf bytes) {
                upstream.write(bytes);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (!(msg instanceof Exchange exchange) || !isSshConnect(exchange)) {
            ctx.fireChannelRead(msg);
            return;
        }
        RequestTarget target = exchange.target.parsed;
        Refusal refusal = checkTarget(target);
        if (refusal == null && exchange.principal == null) {
            refusal = SSH_CREDENTIALS_REQUIRED;
        }
        if (refusal != null) {
            log.debug("{} SSH to {} refused: {}", ctx.channel(), target.host(), refusal.reason());
            refuse(ctx, exchange, null, refusal);
            return;
        }
        discardBody();
        reads.suspend(ReadSuspension.UPSTREAM_PENDING);
        // What the client sent after the CONNECT comes out of the decoder as it goes: held here, in order.
        hold();
        stopParsingHttp(ctx.pipeline().channel());
        endHold();
        Route route = routes.lookup(target.host(), null);
        if (routes.decidesNow(route, exchange.principal)) {
            decide(ctx, exchange, route);
            handleHeld(ctx);
            return;
        }
        hold();
        routes.readSoon().whenCompleteAsync((read, error) -> {
            endHold();
            if (ctx.isRemoved() || !ctx.channel().isActive()) {
                handleHeld(ctx);
                return;
            }
            decide(ctx, exchange, routes.lookup(target.host(), null));
            handleHeld(ctx);
        }, ctx.executor());
    }

    /** Returns whether the exchange is a CONNECT to port 22 outside a tunnel (the only way SSH comes). */
    static boolean isSshConnect(Exchange exchange) {
        return exchange.tunnel == null && HttpMethod.CONNECT.equals(exchange.request.method())
                && exchange.target != null && exchange.target.parsed != null
                && exchange.target.parsed.port() == SSH_PORT;
    }

    /** Returns why SSH to the target is refused by name alone (not a workspace host: an app host, another host), or null. */
    Refusal checkTarget(RequestTarget target) {
        if (AppHost.parse(target.host()) != null
                || policy.check(new RequestTarget(target.host(), RequestTarget.NO_PORT, "/")) != null) {
            return SSH_TARGET;
        }
        return null;
    }

    private void decide(ChannelHandlerContext ctx, Exchange exchange, Route route) {
        Refusal refusal = routes.check(route, exchange.principal, null);
        if (refusal != null) {
            log.debug("{} SSH to {} refused: no route for {}", ctx.channel(), exchange.target.host(),
                    exchange.principal.user());
            refuse(ctx, exchange, null, refusal);
            return;
        }
        Route r = route;
        exchange.annotate(exchange.principal.user(), r.workspaceId(), null);
        exchange.sshTunnel = true;
        hold();
        ChannelFuture connecting;
        try {
            connecting = connector.connectRaw(ctx.channel(), r, SocketKind.SSH);
        } catch (RuntimeException e) {
            connecting = ctx.channel().newFailedFuture(e);
        }
        connecting.addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        endHold();
                        log.debug("{} no SSH server for {}: {}", ctx.channel(), r.workspaceId(),
                                connected.cause().toString());
                        refuse(ctx, exchange, r.workspaceId(),
                                connected.cause() instanceof UpstreamUnreachable relay ? relay.refusal() : SSH_UNAVAILABLE);
                        return;
                    }
                    if (!ctx.channel().isActive()) {
                        connected.channel().close();
                        return;
                    }
                    connections.bind(ctx.channel(), exchange.principal, r);
                    establish(ctx, exchange, connected.channel(), r.workspaceId());
                });
    }

    /** Answers 200, then hands what was held to the SSH server and turns both connections into a relay. */
    private void establish(ChannelHandlerContext ctx, Exchange exchange, Channel server, String workspaceId) {
        upstream = server;
        ctx.channel().closeFuture().addListener(closed -> server.close());
        ChannelFuture written = Exchanges.answer(ctx.channel(), exchange,
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, CONNECTION_ESTABLISHED, Unpooled.EMPTY_BUFFER), false);
        written.addListener((ChannelFutureListener) done -> ctx.executor().execute(() -> {
            if (!done.isSuccess() || !ctx.channel().isActive()) {
                server.close();
                return;
            }
            endHold();
            handleHeld(ctx);
            server.flush();
            log.debug("{} SSH tunnel to workspace {} by {}", ctx.channel(), workspaceId, exchange.principal.user());
            SshTunnel.relay(ctx.channel(), server, activity, workspaceId);
        }));
    }

    /**
     * Takes the HTTP decoder (and the head guard before it) out of reading: whatever the client sends
     * after the CONNECT arrives here as raw bytes. The encoder stays for the answer.
     */
    private static void stopParsingHttp(Channel client) {
        if (client.pipeline().get(HandlerNames.HTTP_CODEC) instanceof CombinedChannelDuplexHandler<?, ?> codec) {
            codec.removeInboundHandler();
        }
    }
}
