package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.access.ProxyAuthenticator;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.routes.RouteTable;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * Builds a client connection's pipeline: the protective front ({@link ClientFront}: decode and guard),
 * the proxy's own paths (sign-in links, the login path from proxy credentials to an https session),
 * authenticate (header, tunnel or session cookie), then route (accept CONNECT, check WebSocket
 * origins, find the route) and forward. Each stage is
 * a named handler so that an upgrade can remove them by name.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {

    private final ClientFront front;
    private final ProxyAuthenticator authenticator;
    private final TargetPolicy policy;
    private final WorkspaceRoutes routes;
    private final UpstreamConnector connector;
    private final ActivityRecorder activity;
    private final AccessServices access;

    public ProxyChannelInitializer(ClientFront front, ProxyAuthenticator authenticator, TargetPolicy policy,
            RouteTable routes, UpstreamConnector connector, ActivityRecorder activity, AccessServices access) {
        this.front = front;
        this.authenticator = authenticator;
        this.policy = policy;
        this.routes = new WorkspaceRoutes(policy, routes);
        this.connector = connector;
        this.activity = activity;
        this.access = access;
    }

    @Override
    protected void initChannel(Channel ch) {
        ReadSuspension reads = new ReadSuspension(ch);
        ChannelPipeline p = ch.pipeline();
        ForwardHandler forward = new ForwardHandler(connector, activity, reads, ch);
        if (!front.addTo(ch, reads, forward.upstream())) {
            return;
        }
        // Own paths first (they need no principal, or resolve it through the same credentials), then
        // the one authenticate stage, then route and forward.
        ConnectionCredentials credentials = new ConnectionCredentials(authenticator);
        p.addLast(HandlerNames.SIGN_IN, new SignInHandler(access.verifier(), access.sessions(), access.revocations(),
                access.consoleOrigins(), credentials, reads));
        p.addLast(HandlerNames.LOGIN, new LoginHandler(policy, routes, access.sessions(), credentials, reads));
        p.addLast(HandlerNames.AUTHENTICATE, new AuthenticateHandler(credentials, access.sessions(), reads));
        p.addLast(HandlerNames.SSH, new SshConnectHandler(policy, routes, access.connections(), connector, activity,
                reads));
        p.addLast(HandlerNames.CONNECT, new ConnectHandler(policy, access.certificates(), credentials, reads));
        p.addLast(HandlerNames.WEBSOCKET_ORIGIN, new WebSocketOriginHandler());
        p.addLast(HandlerNames.ROUTE, new RouteHandler(policy, routes, access.connections(), reads));
        p.addLast(HandlerNames.FORWARD, forward);
    }
}
