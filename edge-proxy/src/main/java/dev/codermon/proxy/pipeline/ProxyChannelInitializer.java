package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ProxyAuthenticator;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.RouteCache;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Builds a client connection's pipeline: decode, reject malformed, authenticate, accept CONNECT,
 * route, forward. Each stage is a named handler so that an upgrade can remove them by name.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {

    private static final int MAX_INITIAL_LINE = 8192;
    private static final int MAX_HEADER_SIZE = 16384;
    private static final int MAX_CHUNK_SIZE = 65536;

    private final ProxyAuthenticator authenticator;
    private final TargetPolicy policy;
    private final RouteCache routes;
    private final UpstreamConnector connector;
    private final ActivityRecorder activity;

    public ProxyChannelInitializer(ProxyAuthenticator authenticator, TargetPolicy policy, RouteCache routes,
            UpstreamConnector connector, ActivityRecorder activity) {
        this.authenticator = authenticator;
        this.policy = policy;
        this.routes = routes;
        this.connector = connector;
        this.activity = activity;
    }

    @Override
    protected void initChannel(Channel ch) {
        ReadSuspension reads = new ReadSuspension(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_CHUNK_SIZE));
        p.addLast(HandlerNames.BAD_REQUEST, new BadRequestHandler());
        p.addLast(HandlerNames.PROXY_AUTH, new ProxyAuthHandler(authenticator));
        p.addLast(HandlerNames.CONNECT, new ConnectHandler(policy, authenticator));
        p.addLast(HandlerNames.ROUTE, new RouteHandler(policy, routes, reads));
        p.addLast(HandlerNames.FORWARD, new ForwardHandler(connector, activity, reads));
    }
}
