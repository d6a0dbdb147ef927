package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ProxyAuthenticator;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.RouteCache;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * Builds a client connection's pipeline: the protective front ({@link ClientFront}), authenticate,
 * accept CONNECT, answer sign-in links, answer the login path (proxy credentials to an https
 * session), authenticate by session cookie, check WebSocket origins, route, forward. Each stage is
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
            RouteCache routes, UpstreamConnector connector, ActivityRecorder activity, AccessServices access) {
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
        p.addLast(HandlerNames.PROXY_AUTH, new ProxyAuthHandler(authenticator));
        p.addLast(HandlerNames.CONNECT, new ConnectHandler(policy, access.certificates(), reads));
        p.addLast(HandlerNames.SIGN_IN,
                new SignInHandler(access.verifier(), access.sessions(), access.revocations(), access.consoleOrigins(),
                        reads));
        p.addLast(HandlerNames.LOGIN, new LoginHandler(policy, routes, access.sessions(), reads));
        p.addLast(HandlerNames.SESSION, new SessionAuthHandler(access.sessions(), access.revocations(), reads));
        p.addLast(HandlerNames.WEBSOCKET_ORIGIN, new WebSocketOriginHandler());
        p.addLast(HandlerNames.ROUTE, new RouteHandler(policy, routes, access.connections(), reads));
        p.addLast(HandlerNames.FORWARD, forward);
    }
}
